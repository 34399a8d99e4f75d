// A job's, vertex's or TaskManager's state as a coloured label (colours in styles.css).
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state.toLowerCase()}`}>{state}</span>;
}
