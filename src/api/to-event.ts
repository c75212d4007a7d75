import type { ConversationEvent } from '../domain/events';
import { htmlToPlainText } from '../domain/html';
import type { EventInput } from './schemas';

/** The validated request shape → what we store (customer and seq travel separately). */
export function toConversationEvent(input: EventInput, receivedAt: string): ConversationEvent {
  switch (input.type) {
    case 'message': {
      const text = input.text && input.text.trim() !== '' ? input.text : input.html ? htmlToPlainText(input.html) : '';
      return {
        type: 'message',
        eventId: input.eventId,
        role: input.role,
        text,
        ...(input.html !== undefined && { html: input.html }),
        sentAt: input.sentAt,
        ...(input.channel !== undefined && { channel: input.channel }),
        ...(input.senderName !== undefined && { senderName: input.senderName }),
        ...(input.attachments !== undefined && { attachments: input.attachments }),
        ...(input.creatioActivityId !== undefined && { creatioActivityId: input.creatioActivityId }),
      };
    }
    case 'handoff':
      return {
        type: 'handoff',
        eventId: input.eventId,
        ...(input.summary !== undefined && { summary: input.summary }),
        ...(input.language !== undefined && { language: input.language }),
        ...(input.sentiment !== undefined && { sentiment: input.sentiment }),
        ...(input.reason !== undefined && { reason: input.reason }),
        ...(input.aiFields !== undefined && { aiFields: input.aiFields }),
        occurredAt: input.occurredAt ?? receivedAt,
      };
    case 'resolve':
      return { type: 'resolve', eventId: input.eventId, occurredAt: input.occurredAt ?? receivedAt };
  }
}
