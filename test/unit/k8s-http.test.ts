/** The request layer's pure parts: reasons for statuses and network errors, Retry-After, the pool. */
import { describeNetworkError, Limiter, retryAfterMs, statusReason } from '../../src/probes/kubernetes/http.js';

const err = (code: string, message = code) => Object.assign(new Error(message), { code });
const server = 'https://10.0.0.1:6443';

describe('statusReason', () => {
  test.each([
    [401, 'list pods', 'unauthorized'],
    [403, 'list pods', 'forbidden: list pods'],
    [404, 'list runtimeclasses', 'not found: list runtimeclasses'],
    [429, 'list pods', 'rate limited (429): list pods'],
    [503, 'list nodes', 'server error 503: list nodes'],
  ])('%d → %s', (status, what, reason) => expect(statusReason(status, what)).toBe(reason));
  test('other statuses quote the first line of the Status message', () => {
    expect(statusReason(400, 'list pods', Buffer.from(JSON.stringify({ kind: 'Status', message: 'continue key is not valid\nmore' })))).toBe('HTTP 400: continue key is not valid: list pods');
    expect(statusReason(418, 'x', Buffer.from('<html>'))).toBe('HTTP 418: x');
  });
});

describe('describeNetworkError', () => {
  test.each([
    ['ECONNREFUSED', 'refused', 'connection refused by https://10.0.0.1:6443'],
    ['ENOTFOUND', 'dns', 'DNS lookup failed for 10.0.0.1 (ENOTFOUND)'],
    ['EHOSTUNREACH', 'unreachable', 'https://10.0.0.1:6443 is unreachable (EHOSTUNREACH)'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', 'certificate of https://10.0.0.1:6443 is not signed by a trusted CA (the kubeconfig names no certificate-authority that signed it) (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', 'certificate of https://10.0.0.1:6443 is not signed by a trusted CA (the kubeconfig names no certificate-authority that signed it) (DEPTH_ZERO_SELF_SIGNED_CERT)'],
    ['CERT_HAS_EXPIRED', 'tls', 'certificate of https://10.0.0.1:6443 has expired (CERT_HAS_EXPIRED)'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', 'certificate of https://10.0.0.1:6443 does not name 10.0.0.1 (ERR_TLS_CERT_ALTNAME_INVALID)'],
    ['ECONNRESET', 'network', 'connection to https://10.0.0.1:6443 was closed mid-request (ECONNRESET)'],
  ])('%s → %s', (code, kind, message) => {
    const e = describeNetworkError(err(code), server);
    expect([e.kind, e.message]).toEqual([kind, message]);
  });
  test('a client key that is not a key', () => {
    const e = describeNetworkError(err('ERR_OSSL_UNSUPPORTED', 'error:1E08010C:DECODER routines::unsupported'), server);
    expect([e.kind, e.message]).toEqual(['tls', 'the client certificate, client key or certificate-authority from the kubeconfig cannot be used (ERR_OSSL_UNSUPPORTED)']);
  });
  test('a TLS protocol error (plain HTTP on the port, say)', () => {
    const e = describeNetworkError(err('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), server);
    expect(e.kind).toBe('tls');
    expect(e.message).toMatch(/^TLS handshake with https:\/\/10.0.0.1:6443 failed/);
  });
});

describe('retryAfterMs', () => {
  test('seconds, HTTP dates, nothing', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(retryAfterMs('Mon, 01 Jan 2024 00:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('Limiter', () => {
  test('never more than its size at once, in order', async () => {
    const pool = new Limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        await pool.acquire();
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        pool.release();
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
