import { StopList } from '../../../src/demo/stop-list';

describe('StopList', () => {
  it('stops newest first, once, and moves on past a failing or hanging step', async () => {
    const lines: string[] = [];
    const order: string[] = [];
    const stops = new StopList((l) => lines.push(l), 50);
    stops.push('database', async () => void order.push('database'));
    stops.push('hanging', () => new Promise<void>(() => undefined));
    stops.push('failing', async () => {
      order.push('failing');
      throw new Error('boom');
    });
    stops.push('app', async () => void order.push('app'), 1000);
    await Promise.all([stops.stopAll(), stops.stopAll()]);
    expect(order).toEqual(['app', 'failing', 'database']);
    expect(lines).toEqual(['  (stopping failing failed: boom)', '  (stopping hanging took over 0.05 s; moving on)']);
    await stops.stopAll();
    expect(order).toHaveLength(3);
  });
});
