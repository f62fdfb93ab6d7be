import { onCleanup, onMount, type JSX } from 'solid-js';

/**
 * A modal dialog on the native <dialog> element: the browser traps focus, makes the page behind it inert, closes
 * it with Escape and gives focus back to what opened it.
 */
export function Dialog(props: { title: string; onClose: () => void; children: JSX.Element; class?: string }) {
  let dialog!: HTMLDialogElement;
  const titleId = `dialog-${Math.random().toString(36).slice(2)}`;
  onMount(() => dialog.showModal());
  onCleanup(() => dialog.open && dialog.close());
  return (
    <dialog
      ref={dialog}
      class={`dialog ${props.class ?? ''}`}
      aria-labelledby={titleId}
      onClose={() => props.onClose()}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its content) closes it.
        if (e.target === dialog) dialog.close();
      }}
    >
      <div class="dialog-content">
        <header class="dialog-header">
          <h2 id={titleId}>{props.title}</h2>
          <button type="button" class="dialog-close" aria-label="Close" onClick={() => dialog.close()}>
            ✕
          </button>
        </header>
        {props.children}
      </div>
    </dialog>
  );
}
