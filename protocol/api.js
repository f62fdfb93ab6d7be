export const API = {
    health: '/api/health',
    streams: '/api/streams',
    /** POST one event or an array; GET ?after=SEQ&limit=N. */
    events: (stream) => `/api/streams/${encodeURIComponent(stream)}/events`,
    /**
     * Live tail, one Server-Sent Events response for every stream a client follows:
     * `GET /api/tail?cursors=<stream>:<seq>,<stream>:<seq>&follow=all`. With `follow=all` the server also sends the
     * events of streams not named in `cursors`, from their first seq, including streams created later.
     */
    tail: '/api/tail',
};
export const PAGE_LIMIT = { default: 1_000, max: 10_000 };
/** Events per SSE message: small enough for every browser's stream reader to take in one piece. */
export const TAIL_BATCH = 200;
export function parseCursors(param) {
    const cursors = new Map();
    for (const part of (param ?? '').split(',')) {
        const [stream, seq] = part.split(':');
        if (!stream)
            continue;
        const n = Number(seq ?? 0);
        cursors.set(stream, Number.isInteger(n) && n >= 0 ? n : 0);
    }
    return cursors;
}
export function formatCursors(cursors) {
    return [...cursors].map(([stream, seq]) => `${stream}:${seq}`).join(',');
}
