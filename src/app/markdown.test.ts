import { describe, expect, it } from 'vitest';
import { decodeEntities, parseMarkdown, safeHref, type MdNode } from './markdown';

/** The tree as compact text, to compare with what the user should see. */
function show(nodes: MdNode[]): string {
  return nodes
    .map((n) => {
      if (typeof n === 'string') return n;
      const attrs = n.href ? ` href=${n.href}` : n.start ? ` start=${n.start}` : n.depth ? ` depth=${n.depth}` : '';
      return `<${n.tag}${attrs}>${show(n.children)}</${n.tag}>`;
    })
    .join('');
}

describe('parseMarkdown', () => {
  it('renders emphasis, code and line breaks as elements and text', () => {
    expect(show(parseMarkdown('**bold** _it_ ~~gone~~ `a < b`\nnext line'))).toBe(
      '<p><strong>bold</strong> <em>it</em> <del>gone</del> <code>a < b</code><br></br>next line</p>',
    );
  });

  it('shows raw HTML as the text it is', () => {
    expect(show(parseMarkdown('<img src=x onerror=alert(1)> and <b>hi</b>'))).toBe(
      '<p><img src=x onerror=alert(1)> and <b>hi</b></p>',
    );
    expect(show(parseMarkdown('<script>alert(1)</script>'))).toBe('<p><script>alert(1)</script></p>');
  });

  it('keeps links only to http(s) URLs', () => {
    expect(show(parseMarkdown('[ok](https://example.com/a?b=1&c=2) [bad](javascript:alert(1))'))).toBe(
      '<p><a href=https://example.com/a?b=1&c=2>ok</a> bad</p>',
    );
    expect(show(parseMarkdown('see https://roomy.space/x'))).toBe(
      '<p>see <a href=https://roomy.space/x>https://roomy.space/x</a></p>',
    );
    expect(show(parseMarkdown('[rel](/relative) [data](data:text/html,hi)'))).toBe('<p>rel data</p>');
  });

  it('does not load pictures: an image becomes a link to it', () => {
    expect(show(parseMarkdown('![a cat](https://example.com/cat.png)'))).toBe(
      '<p><a href=https://example.com/cat.png>🖼 a cat</a></p>',
    );
  });

  it('renders code blocks, quotes, lists and headings', () => {
    const source = '```js\nlet a = "<x>";\n```\n\n> quoted\n\n3. three\n4. four\n\n- [x] done\n\n# Title';
    expect(show(parseMarkdown(source))).toBe(
      '<pre><code>let a = "<x>";</code></pre>' +
        '<blockquote><p>quoted</p></blockquote>' +
        '<ol start=3><li>three</li><li>four</li></ol>' +
        '<ul><li>☑ done</li></ul>' +
        '<heading depth=1>Title</heading>',
    );
  });

  it('decodes character references in text, but not in code', () => {
    expect(show(parseMarkdown('fish &amp; chips &#x1F600; `&amp;`'))).toBe('<p>fish & chips 😀 <code>&amp;</code></p>');
  });
});

describe('safeHref', () => {
  it.each([
    ['https://a.example/x', 'https://a.example/x'],
    ['http://a.example', 'http://a.example/'],
    ['  https://a.example/y ', 'https://a.example/y'],
    ['javascript:alert(1)', null],
    ['JAVASCRIPT:alert(1)', null],
    ['data:text/html,x', null],
    ['//a.example', null],
    ['mailto:a@b.c', null],
  ])('%s → %s', (input, expected) => expect(safeHref(input)).toBe(expected));
});

describe('decodeEntities', () => {
  it('leaves unknown references alone', () => {
    expect(decodeEntities('&bogus; &#0; &lt;')).toBe('&bogus; &#0; <');
  });
});
