import { htmlToPlainText, plainTextToHtml, sanitizeHtml } from '../../../src/domain/html';
import { randomText, rng, textContent, wellFormedProblems } from './content-oracle';

describe('sanitizeHtml', () => {
  it('keeps formatting and drops the script with its code (peer report 18)', () => {
    expect(sanitizeHtml('<p>Hello <b>Ana</b></p><script>x()</script>')).toBe('<p>Hello <b>Ana</b></p>');
  });

  it('keeps every allowed formatting element as written', () => {
    const html =
      '<h1>T1</h1><h2>T2</h2><h3>T3</h3><h4>T4</h4><h5>T5</h5><h6>T6</h6>' +
      '<p>a<br />b <b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <s>s</s> <span>sp</span> <code>c</code></p>' +
      '<div><ul><li>one</li></ul><ol><li>two</li></ol></div>' +
      '<blockquote>q</blockquote><pre>  pre\n   text</pre>' +
      '<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>' +
      '<a href="https://example.com/x?a=1&amp;b=2" rel="noopener noreferrer">link</a>' +
      '<a href="mailto:ana@example.com" rel="noopener noreferrer">mail</a>' +
      '<img src="https://example.com/a.png" alt="pic" />';
    expect(sanitizeHtml(html)).toBe(html);
  });

  it.each([
    ['style with its rules', '<style>p{color:red}</style><p>x</p>', '<p>x</p>'],
    ['iframe with its fallback text', '<iframe src="https://evil.example">fallback</iframe><p>x</p>', '<p>x</p>'],
    ['object and embed', '<object data="x.swf"><param name="a" value="b">alt</object><embed src="y.swf"><p>x</p>', '<p>x</p>'],
    ['svg with an onload', '<svg onload="alert(1)"><text>t</text></svg><p>x</p>', '<p>x</p>'],
    ['noscript and template', '<noscript>n</noscript><template><p>t</p></template><p>x</p>', '<p>x</p>'],
    ['a whole document head', '<html><head><title>T</title><meta charset="x"></head><body><p>x</p></body></html>', '<p>x</p>'],
    ['form controls, keeping the readable text', '<form action="https://evil.example"><p>Name</p><input name="a" value="v"><button>Send</button></form>', '<p>Name</p>Send'],
    ['unknown tags, keeping their text', '<font color="red">red</font> <center>c</center> <marquee>m</marquee>', 'red c m'],
  ])('removes %s', (_label, input, expected) => {
    expect(sanitizeHtml(input)).toBe(expected);
  });

  it('removes every event handler attribute and any style/class/id', () => {
    const out = sanitizeHtml(
      '<p onclick="a()" ONMOUSEOVER="b()" style="color:red" class="c" id="i">t</p>' +
        '<img src="https://example.com/a.png" onerror="c()" alt="x"><a href="https://x.example" onfocus="d()" target="_blank">l</a>',
    );
    expect(out).toBe(
      '<p>t</p><img src="https://example.com/a.png" alt="x" /><a href="https://x.example" rel="noopener noreferrer">l</a>',
    );
    expect(out).not.toMatch(/\son\w+=/i);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'java&#x09;script:alert(1)',
    '&#106;avascript:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    '//evil.example/x',
    '/relative/path',
    '#top',
  ])('drops the unsafe or relative link %s but keeps the link text', (href) => {
    expect(sanitizeHtml(`<a href="${href}">click</a>`)).toBe('<a rel="noopener noreferrer">click</a>');
  });

  it('overrides any rel the sender set', () => {
    expect(sanitizeHtml('<a href="http://x.example" rel="opener">l</a>')).toBe(
      '<a href="http://x.example" rel="noopener noreferrer">l</a>',
    );
  });

  it.each(['data:image/png;base64,iVBORw0KGgo=', 'javascript:alert(1)', '//evil.example/a.png', 'a.png', 'ftp://x.example/a.png'])(
    'removes an image whose src is %s',
    (src) => {
      expect(sanitizeHtml(`<p>a<img src="${src}" alt="x">b</p>`)).toBe('<p>ab</p>');
    },
  );

  it('decodes entities exactly once and escapes text, so &amp;amp; stays &amp;amp;', () => {
    expect(sanitizeHtml('<p>&amp;amp; &lt;script&gt;alert(1)&lt;/script&gt; a < b</p>')).toBe(
      '<p>&amp;amp; &lt;script&gt;alert(1)&lt;/script&gt; a &lt; b</p>',
    );
  });

  it('keeps emoji and right-to-left text, and a valid dir attribute', () => {
    const html = '<p dir="rtl">שלום 👩‍👩‍👧‍👦 مرحبا 🇵🇹</p><p dir="sideways">x</p>';
    expect(sanitizeHtml(html)).toBe('<p dir="rtl">שלום 👩‍👩‍👧‍👦 مرحبا 🇵🇹</p><p>x</p>');
  });

  it('removes control characters and repairs lone surrogates', () => {
    expect(sanitizeHtml('<p>a\u0000b\u0007c&#1;d\uD83De</p>')).toBe('<p>abcd\uFFFDe</p>');
  });

  it('closes what the sender left open', () => {
    expect(sanitizeHtml('<p>a<b>bold<p>next')).toBe('<p>a<b>bold<p>next</p></b></p>');
    expect(sanitizeHtml('<ul><li>one<li>two</ul><p>x')).toBe('<ul><li>one</li><li>two</li></ul><p>x</p>');
    expect(sanitizeHtml('<b><i>x</b>y</i>')).toBe('<b><i>x</i></b>y');
  });

  it('returns empty for empty and script-only input', () => {
    expect(sanitizeHtml('')).toBe('');
    expect(sanitizeHtml('<script>alert(1)</script>')).toBe('');
  });

  it('is idempotent and never lets active content through, over many generated inputs', () => {
    const r = rng(7);
    const fragments = [
      '<p>', '</p>', '<b>', '</b>', '<i>', '<ul><li>', '</li></ul>', '<br>', '<script>evil()</script>',
      '<img src="javascript:x" onerror="y">', '<a href="javascript:z">', '<a href="https://ok.example">', '</a>',
      '<iframe src="x">', '</iframe>', '<style>*{}</style>', '<div onclick="q">', '</div>', '<!-- c -->', '&amp;',
      '&lt;', '<svg><script>1</script></svg>', '<p style="x" class="y">', '<table><tr><td>', '</td></tr></table>',
    ];
    for (let n = 0; n < 300; n++) {
      let html = '';
      const count = r.int(1, 25);
      for (let i = 0; i < count; i++) html += r.chance(0.5) ? r.pick(fragments) : randomText(r, r.int(1, 6));
      const once = sanitizeHtml(html);
      expect(sanitizeHtml(once)).toBe(once);
      expect(once).not.toMatch(/<(script|style|iframe|svg|object|embed)\b|javascript:|\son\w+=|\sstyle=|\sclass=/i);
    }
  });
});

describe('plainTextToHtml', () => {
  it('keeps paragraph and line breaks (peer report 19)', () => {
    expect(plainTextToHtml('Line1\n\nLine2\nLine3')).toBe('<p>Line1</p><p>Line2<br>Line3</p>');
  });

  it('escapes markup characters so they show literally', () => {
    const html = plainTextToHtml('a < b && c > d');
    expect(html).toBe('<p>a &lt; b &amp;&amp; c &gt; d</p>');
    expect(textContent(html)).toBe('a < b && c > d');
  });

  it('escapes quotes and text that looks like tags or entities', () => {
    expect(plainTextToHtml(`He said "hi" & it's <b>not</b> bold &amp; fine`)).toBe(
      '<p>He said &quot;hi&quot; &amp; it&#39;s &lt;b&gt;not&lt;/b&gt; bold &amp;amp; fine</p>',
    );
  });

  it('treats \\r\\n and \\r like \\n', () => {
    expect(plainTextToHtml('a\r\nb\rc\r\n\r\nd')).toBe('<p>a<br>b<br>c</p><p>d</p>');
  });

  it('reads several blank or whitespace-only lines as one paragraph break and drops outer blank lines', () => {
    expect(plainTextToHtml('\n\n  \nfirst\n\n \t \n\n\nsecond\n\n')).toBe('<p>first</p><p>second</p>');
  });

  it('keeps runs of spaces, leading indentation and tabs visible', () => {
    expect(plainTextToHtml('a  b')).toBe('<p>a&nbsp; b</p>');
    expect(plainTextToHtml('a   b')).toBe('<p>a&nbsp; &nbsp;b</p>');
    expect(plainTextToHtml('  indented\n    more')).toBe('<p>&nbsp;&nbsp;indented<br>&nbsp;&nbsp;&nbsp;&nbsp;more</p>');
    expect(plainTextToHtml('trailing ')).toBe('<p>trailing&nbsp;</p>');
    expect(plainTextToHtml('col1\tcol2')).toBe('<p>col1&nbsp; &nbsp; col2</p>');
    expect(plainTextToHtml('one space')).toBe('<p>one space</p>');
  });

  it('marks paragraphs with right-to-left letters dir="auto" and leaves others alone', () => {
    expect(plainTextToHtml('שלום עולם\n\nHello\n\nمرحبا بك')).toBe(
      '<p dir="auto">שלום עולם</p><p>Hello</p><p dir="auto">مرحبا بك</p>',
    );
  });

  it('passes emoji through untouched', () => {
    const s = '👩‍👩‍👧‍👦 🇵🇹 👍🏽 🏳️‍🌈 e\u0301';
    expect(plainTextToHtml(s)).toBe(`<p>${s}</p>`);
  });

  it('gives empty HTML for empty or blank text', () => {
    expect(plainTextToHtml('')).toBe('');
    expect(plainTextToHtml(' \n\t\r\n ')).toBe('');
  });

  it('shows exactly the text for many generated inputs (browser whitespace rules applied)', () => {
    const r = rng(11);
    for (let n = 0; n < 500; n++) {
      const text = randomText(r, r.int(0, 60), ['\n', '\n', '\n\n', '\r\n', '\n \n']);
      const html = plainTextToHtml(text);
      expect(wellFormedProblems(html)).toEqual([]);
      // No whitespace a browser would collapse: no double spaces, none at a line's edges.
      expect(html).not.toMatch(/ {2}|> | <|\t|\n/);
      // Render: paragraphs → blank line, <br> → newline, &nbsp; → space.
      const rendered = textContent(html.replace(/<\/p><p[^>]*>/g, '\n\n').replace(/<br>/g, '\n')).replace(/\u00A0/g, ' ');
      const expected = text
        .replace(/\r\n?/g, '\n')
        .replace(/\t/g, '    ')
        .replace(/\n(?:[^\S\n]*\n)+/gu, '\n\n')
        .replace(/^(?:[^\S\n]*\n)+/u, '')
        .replace(/(?:\n[^\S\n]*)+$/u, '')
        .replace(/\u00A0/g, ' ');
      expect(rendered).toBe(expected.trim() === '' ? '' : expected);
    }
  });
});

describe('htmlToPlainText', () => {
  it('strips tags and script content (peer report 18)', () => {
    expect(htmlToPlainText('<p>Hello <b>Ana</b></p><script>x()</script>')).toBe('Hello Ana');
  });

  it('turns blocks and <br> into line breaks and cells into spaces', () => {
    expect(htmlToPlainText('<h2>Title</h2><p>one<br>two</p><p>three</p>')).toBe('Title\n\none\ntwo\n\nthree');
    expect(htmlToPlainText('<ul><li>x</li><li>y <ul><li>z</li></ul></li></ul>')).toBe('x\ny\nz');
    expect(htmlToPlainText('<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>')).toBe('a b\n1 2');
    expect(htmlToPlainText('<div>a</div><div>b</div>after')).toBe('a\nb\nafter');
    expect(htmlToPlainText('a<br><br><br><br>b')).toBe('a\n\nb');
  });

  it('decodes entities exactly once', () => {
    expect(htmlToPlainText('&amp;amp; &lt;b&gt; &quot;q&quot; &#39;s&#39; &#128512; &eacute; &nbsp;x')).toBe(
      '&amp; <b> "q" \'s\' 😀 é x',
    );
  });

  it('collapses whitespace but keeps line structure, also in <pre>', () => {
    expect(htmlToPlainText('  a \n\t  b  ')).toBe('a b');
    expect(htmlToPlainText('<p>  spaced \n out  </p>')).toBe('spaced out');
    expect(htmlToPlainText('<pre>line 1\nline 2\n\n\n\nline 3</pre>')).toBe('line 1\nline 2\n\nline 3');
  });

  it('keeps emoji and right-to-left text', () => {
    expect(htmlToPlainText('<p dir="rtl">مرحبا 👩‍👩‍👧‍👦</p><p>שלום 🇵🇹</p>')).toBe('مرحبا 👩‍👩‍👧‍👦\n\nשלום 🇵🇹');
  });

  it('gives empty text for empty or markup-only HTML', () => {
    expect(htmlToPlainText('')).toBe('');
    expect(htmlToPlainText('<p></p><br><img src="https://x.example/a.png">')).toBe('');
  });

  it('round-trips plainTextToHtml for many generated texts', () => {
    const r = rng(13);
    for (let n = 0; n < 300; n++) {
      const text = randomText(r, r.int(0, 50), ['\n', '\n\n', '\r\n']);
      const expected = text
        .replace(/\r\n?/g, '\n')
        .split('\n')
        .map((line) => line.replace(/\s+/gu, ' ').trim())
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim();
      expect(htmlToPlainText(plainTextToHtml(text))).toBe(expected);
    }
  });
});
