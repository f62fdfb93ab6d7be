/**
 * Headers that make the browser refuse what the app never does: inline or eval'd scripts, foreign frames, plugins,
 * and MIME sniffing. `wasm-unsafe-eval` is the one allowance, because SQLite runs as WebAssembly in the browser; the
 * inline styles of the UI library need `style-src 'unsafe-inline'`. The tail sets its own headers (hijacked reply).
 */
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob: https:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    // The policy governs documents; on JSON, scripts and images it would do nothing but add bytes.
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    }
    return payload;
  });
}
