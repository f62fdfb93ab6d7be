/** What an ErrorBoundary shows in the pane that failed, instead of a blank app. */
export function Problem(props: { error: unknown; where: string; reset?: () => void }) {
  return (
    <div class="problem" role="alert">
      <strong>{props.where} failed:</strong> {props.error instanceof Error ? props.error.message : String(props.error)}
      {props.reset && (
        <button type="button" onClick={() => props.reset?.()}>
          Try again
        </button>
      )}
    </div>
  );
}
