/**
 * Message markdown, made safe by construction: `marked`'s lexer turns the source into tokens, and this module
 * turns the tokens into a small tree of allowed elements with text leaves. Nothing is ever parsed as HTML: raw HTML
 * in a message is shown as the text it is, code is text, and a link keeps its href only when it is an absolute
 * http(s) URL. The Solid component in components/Markdown.tsx renders the tree as elements and text nodes.
 */
import { Lexer, type Token, type Tokens } from 'marked';

export type MdTag =
  | 'p'
  | 'strong'
  | 'em'
  | 'del'
  | 'code'
  | 'pre'
  | 'blockquote'
  | 'ul'
  | 'ol'
  | 'li'
  | 'br'
  | 'hr'
  | 'a'
  | 'table'
  | 'tr'
  | 'th'
  | 'td'
  | 'heading';

export type MdNode = string | MdElement;
export interface MdElement {
  tag: MdTag;
  children: MdNode[];
  /** Only on 'a', and only a checked http(s) URL. */
  href?: string;
  /** Only on 'ol': the first number. */
  start?: number;
  /** Only on 'heading': 1-6 (shown as emphasis, not as a document heading). */
  depth?: number;
}

/** An absolute http: or https: URL, normalised; anything else (javascript:, data:, relative) is refused. */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * The lexer leaves character references in text as written ("&amp;"); an HTML renderer would let the browser decode
 * them. Rendering text nodes, we decode the common ones ourselves.
 */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

const el = (tag: MdTag, children: MdNode[], extra: Partial<MdElement> = {}): MdElement => ({ tag, children, ...extra });

function inline(tokens: readonly Token[] | undefined): MdNode[] {
  return (tokens ?? []).flatMap(inlineToken);
}

function inlineToken(token: Token): MdNode[] {
  switch (token.type) {
    case 'text': {
      const t = token as Tokens.Text;
      return t.tokens ? inline(t.tokens) : [decodeEntities(t.text)];
    }
    case 'escape':
      return [decodeEntities((token as Tokens.Escape).text)];
    case 'strong':
      return [el('strong', inline((token as Tokens.Strong).tokens))];
    case 'em':
      return [el('em', inline((token as Tokens.Em).tokens))];
    case 'del':
      return [el('del', inline((token as Tokens.Del).tokens))];
    case 'codespan':
      return [el('code', [(token as Tokens.Codespan).text])];
    case 'br':
      return [el('br', [])];
    case 'link': {
      const link = token as Tokens.Link;
      const href = safeHref(link.href);
      const children = link.autolink ? [link.text] : inline(link.tokens);
      return href ? [el('a', children, { href })] : children;
    }
    case 'image': {
      // Pictures from messages are not loaded (privacy, layout): a link to them instead.
      const image = token as Tokens.Image;
      const href = safeHref(image.href);
      const label = image.text ? `🖼 ${image.text}` : '🖼 image';
      return href ? [el('a', [label], { href })] : [label];
    }
    case 'html':
      // Raw HTML is shown as the text it is.
      return [(token as Tokens.HTML).text];
    default:
      return 'tokens' in token && Array.isArray(token.tokens) ? inline(token.tokens) : [token.raw];
  }
}

function block(tokens: readonly Token[]): MdNode[] {
  return tokens.flatMap(blockToken);
}

function blockToken(token: Token): MdNode[] {
  switch (token.type) {
    case 'space':
    case 'def':
      return [];
    case 'paragraph':
      return [el('p', inline((token as Tokens.Paragraph).tokens))];
    case 'heading': {
      const heading = token as Tokens.Heading;
      return [el('heading', inline(heading.tokens), { depth: heading.depth })];
    }
    case 'code':
      return [el('pre', [el('code', [(token as Tokens.Code).text])])];
    case 'blockquote':
      return [el('blockquote', block((token as Tokens.Blockquote).tokens))];
    case 'hr':
      return [el('hr', [])];
    case 'list': {
      const list = token as Tokens.List;
      const items = list.items.map((item) => {
        const mark = item.task ? [item.checked ? '☑ ' : '☐ '] : [];
        return el('li', [...mark, ...listItem(item)]);
      });
      if (!list.ordered) return [el('ul', items)];
      return [el('ol', items, typeof list.start === 'number' && list.start !== 1 ? { start: list.start } : {})];
    }
    case 'table': {
      const table = token as Tokens.Table;
      const head = el(
        'tr',
        table.header.map((cell) => el('th', inline(cell.tokens))),
      );
      const rows = table.rows.map((row) =>
        el(
          'tr',
          row.map((cell) => el('td', inline(cell.tokens))),
        ),
      );
      return [el('table', [head, ...rows])];
    }
    case 'html':
      return [el('p', [(token as Tokens.HTML).text])];
    case 'text': {
      const t = token as Tokens.Text;
      return [el('p', t.tokens ? inline(t.tokens) : [decodeEntities(t.text)])];
    }
    default:
      return inlineToken(token);
  }
}

/** A tight list item holds inline text tokens directly; a loose one holds paragraphs. */
function listItem(item: Tokens.ListItem): MdNode[] {
  return item.tokens.flatMap((token) =>
    token.type === 'text' ? inlineToken(token) : token.type === 'checkbox' ? [] : blockToken(token),
  );
}

/** GitHub-flavoured, and a line break in a chat message is a line break. */
const OPTIONS = { gfm: true, breaks: true } as const;

/** The safe tree of a message body. */
export function parseMarkdown(source: string): MdNode[] {
  return block(Lexer.lex(source, OPTIONS));
}
