/**
 * `Content-Disposition` of a download: the name percent-encoded per RFC 8187
 * (`encodeURIComponent` leaves `!'()*`, which that grammar does not allow), so
 * no name can add a parameter or a path.
 */
export function contentDisposition(fileName: string, disposition: 'attachment' | 'inline' = 'attachment'): string {
  const encoded = encodeURIComponent(fileName).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename*=UTF-8''${encoded}`;
}
