import {
  NO_TEXT,
  activityTitle,
  caseSubject,
  firstSentence,
  messageBodyHtml,
  speakerLabel,
  splitHtmlForColumn,
  truncateText,
} from '../../../src/domain/content';
import { graphemeBoundaries, randomText, rng } from './content-oracle';

describe('messageBodyHtml', () => {
  it('sanitises the HTML when there is some (peer report 18)', () => {
    expect(messageBodyHtml({ text: 'Hello Ana', html: '<p>Hello <b>Ana</b></p><script>x()</script>' })).toBe(
      '<p>Hello <b>Ana</b></p>',
    );
  });

  it('turns plain text into HTML when there is no HTML (peer report 19)', () => {
    expect(messageBodyHtml({ text: 'Line1\n\nLine2\nLine3' })).toBe('<p>Line1</p><p>Line2<br>Line3</p>');
    expect(messageBodyHtml({ text: 'a < b && c > d', html: '' })).toBe('<p>a &lt; b &amp;&amp; c &gt; d</p>');
    expect(messageBodyHtml({ text: 'x', html: '   ' })).toBe('<p>x</p>');
  });

  it('falls back to the text when the HTML shows nothing once sanitised', () => {
    expect(messageBodyHtml({ text: 'Hi <there>', html: '<script>steal()</script>' })).toBe('<p>Hi &lt;there&gt;</p>');
    expect(messageBodyHtml({ text: 'Hi', html: '<p> </p><div>&nbsp;</div>' })).toBe('<p>Hi</p>');
  });

  it('keeps HTML that shows only an image', () => {
    const html = '<img src="https://example.com/a.png" alt="photo" />';
    expect(messageBodyHtml({ text: '[attachment: a.png]', html })).toBe(html);
  });

  it('is empty when there is nothing at all', () => {
    expect(messageBodyHtml({ text: '' })).toBe('');
    expect(messageBodyHtml({ text: '', html: '<script>x</script>' })).toBe('');
  });

  it('keeps emoji and right-to-left text', () => {
    expect(messageBodyHtml({ text: 'مرحبا 👋🏽\nשלום 👩‍👩‍👧‍👦' })).toBe('<p dir="auto">مرحبا 👋🏽<br>שלום 👩‍👩‍👧‍👦</p>');
  });

  it('feeds the splitter: a long body splits into parts that each fit', () => {
    const body = messageBodyHtml({ text: 'word '.repeat(20000) });
    const parts = splitHtmlForColumn(body, 4000);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 4000)).toBe(true);
  });
});

describe('speakerLabel', () => {
  it.each([
    ['customer', 'Ana Pérez', 'Customer (Ana Pérez)'],
    ['customer', undefined, 'Customer'],
    ['ai', undefined, 'AI agent'],
    ['ai', 'Ava', 'AI agent (Ava)'],
    ['agent', 'Bob', 'Agent (Bob)'],
    ['agent', '   ', 'Agent'],
    ['agent', 'agent', 'Agent'],
    ['system', undefined, 'System'],
    ['customer', '  Ana \n  Pérez\t', 'Customer (Ana Pérez)'],
    ['customer', 'محمد 👋', 'Customer (محمد 👋)'],
  ] as const)('%s / %j → %j', (role, name, expected) => {
    expect(speakerLabel(role, name)).toBe(expected);
  });

  it('cuts very long names', () => {
    const label = speakerLabel('customer', 'N'.repeat(500));
    expect(label.length).toBeLessThanOrEqual('Customer ()'.length + 100);
    expect(label).toMatch(/^Customer \(N+…\)$/);
  });
});

describe('activityTitle', () => {
  it('is "<speaker>: <text>" on one line', () => {
    expect(activityTitle('Customer (Ana)', 'Hello,\n\nmy order   is late.\r\nHelp!')).toBe(
      'Customer (Ana): Hello, my order is late. Help!',
    );
  });

  it('says so when there is no text', () => {
    expect(activityTitle('Agent (Bob)', '')).toBe(`Agent (Bob): ${NO_TEXT}`);
    expect(activityTitle('Agent (Bob)', ' \n\t ')).toBe(`Agent (Bob): ${NO_TEXT}`);
  });

  it('passes attachment placeholders and markup characters through as plain text', () => {
    expect(activityTitle('Customer', '[attachment: file.pdf]')).toBe('Customer: [attachment: file.pdf]');
    expect(activityTitle('Customer', 'is <b> & </b> ok?')).toBe('Customer: is <b> & </b> ok?');
  });

  it('is cut to max with a marker, at a word boundary when one is near', () => {
    const title = activityTitle('Customer', 'lorem ipsum '.repeat(100));
    expect(title.length).toBeLessThanOrEqual(500);
    expect(title).toMatch(/^Customer: lorem ipsum .*(lorem|ipsum)…$/);
    expect(activityTitle('AI agent', 'The quick brown fox jumps over', 30)).toBe('AI agent: The quick brown fox…');
  });

  it('never exceeds max nor cuts a grapheme, over many generated texts and limits', () => {
    const r = rng(23);
    const problems: string[] = [];
    for (let n = 0; n < 200; n++) {
      const text = randomText(r, r.int(0, 80), ['\n', '\n\n']);
      const max = r.int(12, 120);
      const title = activityTitle('Customer', text, max);
      const full = activityTitle('Customer', text, 100000);
      if (title.length > max) problems.push(`too long: ${JSON.stringify(title)} > ${max}`);
      const head = title === full ? full : title.replace(/…$/, '');
      if (!full.startsWith(head)) problems.push(`not a prefix: ${JSON.stringify(title)}`);
      if (!graphemeBoundaries(full).has(head.length)) problems.push(`cut inside a cluster: ${JSON.stringify(title)}`);
      if (/\s{2}|\n/.test(title)) problems.push(`whitespace not collapsed: ${JSON.stringify(title)}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('firstSentence', () => {
  it.each([
    ['Customer cannot log in. They tried twice.', 'Customer cannot log in.'],
    ['Mr. Smith wants a refund. Soon.', 'Mr. Smith wants a refund.'],
    ['Refund for order 4.5 kg, e.g. the blue one. Then more.', 'Refund for order 4.5 kg, e.g. the blue one.'],
    ['العميل لا يستطيع الدخول؟ حاول مرتين.', 'العميل لا يستطيع الدخول؟'],
    ['顧客はログインできません。二回試しました。', '顧客はログインできません。'],
    ['  no final stop\nacross lines ', 'no final stop across lines'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(firstSentence(input)).toBe(expected);
  });
});

describe('caseSubject', () => {
  it("uses the summary's first sentence, prefixed with the channel", () => {
    expect(
      caseSubject({
        summary: 'Customer was double-charged for order 4521. They want a refund.',
        firstCustomerText: 'hi',
        channel: 'chat',
        conversationId: 'c-1',
      }),
    ).toBe('[Chat] Customer was double-charged for order 4521.');
  });

  it('falls back to the first customer message, then to the conversation ID', () => {
    expect(caseSubject({ firstCustomerText: 'My parcel\n\nnever arrived', conversationId: 'c-1' })).toBe(
      'My parcel never arrived',
    );
    expect(caseSubject({ summary: '  ', firstCustomerText: '', conversationId: 'conv-42' })).toBe('Conversation conv-42');
    expect(caseSubject({ conversationId: 'conv-42', channel: 'whatsapp' })).toBe('[WhatsApp] Conversation conv-42');
  });

  it('names channels readably', () => {
    const subject = (channel: string): string => caseSubject({ conversationId: 'x', channel });
    expect(subject('sms')).toBe('[SMS] Conversation x');
    expect(subject('email')).toBe('[Email] Conversation x');
    expect(subject('web_chat')).toBe('[Web chat] Conversation x');
    expect(subject('telegram')).toBe('[Telegram] Conversation x');
    expect(subject('LiveChat')).toBe('[LiveChat] Conversation x');
    expect(subject('  ')).toBe('Conversation x');
  });

  it('is plain text: markup characters kept as characters, whitespace collapsed', () => {
    expect(caseSubject({ firstCustomerText: 'Is 5 < 7 & "ok"?\n<b>x</b>', conversationId: 'c' })).toBe(
      'Is 5 < 7 & "ok"? <b>x</b>',
    );
  });

  it('is cut to max including the prefix (peer report 17: over-length subject)', () => {
    const summary = `${'An AI summary that goes on and on '.repeat(40)}.`;
    const subject = caseSubject({ summary, channel: 'chat', conversationId: 'c' });
    expect(subject.length).toBeLessThanOrEqual(500);
    expect(subject.startsWith('[Chat] An AI summary')).toBe(true);
    expect(subject.endsWith('…')).toBe(true);
    const short = caseSubject({ summary, channel: 'chat', conversationId: 'c' }, 40);
    expect(short.length).toBeLessThanOrEqual(40);
    expect(short).toBe('[Chat] An AI summary that goes on and…');
  });

  it('never cuts an emoji in a subject', () => {
    const family = '👩‍👩‍👧‍👦';
    for (let max = 1; max < 40; max++) {
      const subject = caseSubject({ firstCustomerText: family.repeat(10), conversationId: 'c' }, max);
      expect(subject.length).toBeLessThanOrEqual(max);
      expect(subject.replace(/…$/, '').length % family.length).toBe(0);
    }
  });
});

describe('truncateText re-export', () => {
  it('is the same grapheme-safe truncation', () => {
    expect(truncateText('ab👩‍👩‍👧‍👦cd', 5)).toBe('ab…');
  });
});
