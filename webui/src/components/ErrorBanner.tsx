// A failed request, said once at the top of a page (the page keeps its last good data).
export function ErrorBanner({ error }: { error: string | undefined }) {
  return error ? <div class="error-banner" role="alert">{error}</div> : null;
}
