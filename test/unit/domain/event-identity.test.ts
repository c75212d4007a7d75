import { sameEventContent } from '../../../src/domain/event-identity';

describe('sameEventContent', () => {
  const msg = { role: 'customer', text: 'Where is my parcel?', sentAt: '2026-01-01T10:00:00.000Z', attachments: [{ name: 'a.png', url: 'https://x/a.png' }] };

  it('treats the same content with keys in another order (as jsonb returns them) as the same', () => {
    const reordered = { sentAt: msg.sentAt, attachments: [{ url: 'https://x/a.png', name: 'a.png' }], text: msg.text, role: 'customer' };
    expect(sameEventContent(reordered, msg)).toBe(true);
  });

  it('sees a changed text, role, attachment or an added field as different', () => {
    expect(sameEventContent(msg, { ...msg, text: 'Where is my parcel??' })).toBe(false);
    expect(sameEventContent(msg, { ...msg, role: 'ai' })).toBe(false);
    expect(sameEventContent(msg, { ...msg, attachments: [{ name: 'b.png', url: 'https://x/a.png' }] })).toBe(false);
    expect(sameEventContent(msg, { ...msg, html: '<p>Where is my parcel?</p>' })).toBe(false);
  });

  it('ignores occurredAt (filled with the receive time when the caller leaves it out) and undefined fields', () => {
    const handoff = { summary: 'Wants a refund', occurredAt: '2026-01-01T10:00:00.000Z' };
    expect(sameEventContent(handoff, { summary: 'Wants a refund', occurredAt: '2026-01-01T10:05:00.000Z', reason: undefined })).toBe(true);
    expect(sameEventContent(handoff, { summary: 'Wants a partial refund', occurredAt: handoff.occurredAt })).toBe(false);
  });
});
