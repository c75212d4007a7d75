import { ConnectionLimiter } from '../../../src/creatio/limiter';
import { startFakeCreatio, type FakeCreatio } from './support/fake-creatio';
import { json, sleep } from './support/http-server';
import { clientFor, CASE_ID } from './support/client';

describe('ConnectionLimiter', () => {
  it('runs at most maxInFlight tasks per key, FIFO, and other keys are not held up', async () => {
    const limiter = new ConnectionLimiter({ maxInFlight: 2 });
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        started.push(name);
        gates.set(name, () => resolve(name));
      });
    const a = ['a1', 'a2', 'a3', 'a4'].map((n) => limiter.run('A', task(n)));
    const b = limiter.run('B', task('b1'));
    await sleep(5);
    expect(started).toEqual(['a1', 'a2', 'b1']);
    expect(limiter.stats('A')).toEqual({ active: 2, waiting: 2 });
    gates.get('a2')!();
    await sleep(5);
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3']);
    gates.get('a1')!();
    gates.get('b1')!();
    await sleep(5);
    gates.get('a3')!();
    await sleep(5);
    gates.get('a4')!();
    await expect(Promise.all([...a, b])).resolves.toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
    expect(limiter.stats('A')).toEqual({ active: 0, waiting: 0 });
  });

  it('releases the slot when a task fails', async () => {
    const limiter = new ConnectionLimiter({ maxInFlight: 1 });
    await expect(limiter.run('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run('k', () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new ConnectionLimiter({ maxInFlight: 0 })).toThrow(RangeError);
  });

  describe('in the client', () => {
    let fake: FakeCreatio;
    beforeEach(async () => {
      fake = await startFakeCreatio();
    });
    afterEach(() => fake.close());

    it('bounds concurrent OData requests per instance, even across clients of one connection', async () => {
      let inFlight = 0;
      let peak = 0;
      fake.intercept = async (_r, res) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await sleep(20);
        inFlight--;
        json(res, 200, { Id: CASE_ID });
        return true;
      };
      const limiter = new ConnectionLimiter({ maxInFlight: 3 });
      const one = clientFor(fake, {}, { limiter }).client;
      const two = clientFor(fake, {}, { limiter }).client; // different cache key, same instance
      await Promise.all(Array.from({ length: 12 }, (_v, i) => (i % 2 ? one : two).get('Case', CASE_ID)));
      expect(peak).toBe(3);
      expect(fake.odataRequests()).toHaveLength(12);
    });
  });
});
