import { createMemo, type JSX } from 'solid-js';
import { parseMarkdown, type MdNode } from '../markdown';

/**
 * A message body: markdown made into elements and text nodes (never HTML strings; see markdown.ts). Links open in
 * a new tab and tell the target nothing about us. The tree is static for a given source, so it is built once per
 * body with plain functions; an edit builds it again.
 */
export function Markdown(props: { source: string; class?: string }) {
  const content = createMemo(() => parseMarkdown(props.source).map(renderNode));
  return <div class={props.class}>{content()}</div>;
}

function renderNode(node: MdNode): JSX.Element {
  if (typeof node === 'string') return node;
  const children = node.children.map(renderNode);
  switch (node.tag) {
    case 'p':
      return <p>{children}</p>;
    case 'strong':
      return <strong>{children}</strong>;
    case 'em':
      return <em>{children}</em>;
    case 'del':
      return <del>{children}</del>;
    case 'code':
      return <code>{children}</code>;
    case 'pre':
      return <pre>{children}</pre>;
    case 'blockquote':
      return <blockquote>{children}</blockquote>;
    case 'ul':
      return <ul>{children}</ul>;
    case 'ol':
      return <ol start={node.start}>{children}</ol>;
    case 'li':
      return <li>{children}</li>;
    case 'br':
      return <br />;
    case 'hr':
      return <hr />;
    case 'a':
      return (
        <a href={node.href} target="_blank" rel="noopener noreferrer nofollow">
          {children}
        </a>
      );
    case 'table':
      return (
        <div class="md-table">
          <table>
            <tbody>{children}</tbody>
          </table>
        </div>
      );
    case 'tr':
      return <tr>{children}</tr>;
    case 'th':
      return <th>{children}</th>;
    case 'td':
      return <td>{children}</td>;
    case 'heading':
      // Shown as emphasis: a heading inside a message must not join the page's outline.
      return (
        <p class={`md-heading md-h${node.depth ?? 1}`}>
          <strong>{children}</strong>
        </p>
      );
  }
}
