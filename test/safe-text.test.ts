import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlsIn } from '../src/safe-text.js';

describe('redactUrl', () => {
  it('hides userinfo entirely (the user part can be the token)', () => {
    expect(redactUrl('https://user:s3cret@host.example/simple/')).toBe('https://***@host.example/simple/');
    expect(redactUrl('https://ghp_token123@host.example/simple/')).toBe('https://***@host.example/simple/');
    expect(redactUrl('https://host.example/simple/')).toBe('https://host.example/simple/');
  });

  it('hides secret-looking query values, keeps the rest', () => {
    const out = redactUrl('https://h.example/f.whl?X-Amz-Signature=abc&token=t0k&page=2');
    expect(out).toBe('https://h.example/f.whl?X-Amz-Signature=***&token=***&page=2');
  });

  it('handles unparseable text and URLs inside messages', () => {
    expect(redactUrl('not a url //u:p@x')).not.toContain('u:p');
    expect(redactUrlsIn('failed: https://a:b@h.example/simple/x/ (twice)')).toBe('failed: https://***@h.example/simple/x/ (twice)');
  });
});
