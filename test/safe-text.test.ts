import { describe, expect, it } from 'vitest';
import { indexLabel, labelUrlsIn, redactUrl, redactUrlsIn, urlLabel } from '../src/safe-text.js';

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

describe('redactUrl on text that does not parse as a URL', () => {
  it('drops everything between // and the last @, even when the password holds / ? # or @', () => {
    expect(redactUrl('https://user:ab/cd@host.example/simple/')).toBe('https://***@host.example/simple/');
    expect(redactUrl('https://user:a?b#c@host.example/x.tar.gz')).toBe('https://***@host.example/x.tar.gz');
    expect(redactUrl('git+ssh://git:ab/c@d@git.example/org/repo.git')).toBe('git+ssh://***@git.example/org/repo.git');
    expect(redactUrl('https://host.example:notaport/simple/?token=t0k&page=2')).toBe('https://host.example:notaport/simple/?token=***&page=2');
    expect(redactUrlsIn('not a URL: https://u:one/two@h.example/simple/ (from PIP_INDEX_URL)')).toBe('not a URL: https://***@h.example/simple/ (from PIP_INDEX_URL)');
  });
});

describe('indexLabel, urlLabel, labelUrlsIn: how messages name an index', () => {
  it('keeps scheme, host and port only: a path or query can hold a token', () => {
    expect(indexLabel('https://pkgs.example/TOKEN/simple/')).toBe('https://pkgs.example');
    expect(indexLabel('http://u:p@127.0.0.1:8080/simple/?token=t')).toBe('http://127.0.0.1:8080');
    expect(indexLabel('https://user:ab/cd@host.example:notaport/simple/')).toBe('https://host.example:notaport');
    expect(indexLabel('nonsense')).toBe('(not a URL)');
  });

  it('names a distribution or metadata file by its file name, not the directories above it', () => {
    expect(urlLabel('https://pkgs.example/TOKEN/files/a/a-1.0-py3-none-any.whl.metadata')).toBe('https://pkgs.example/.../a-1.0-py3-none-any.whl.metadata');
    expect(urlLabel('https://pkgs.example/TOKEN/simple/a/')).toBe('https://pkgs.example');
    expect(urlLabel('https://pkgs.example/TOKEN')).toBe('https://pkgs.example');
    // A label is a fixed point: redacting or labelling it again changes nothing.
    const label = urlLabel('https://u:p@pkgs.example/TOKEN/files/a-1.0.tar.gz');
    expect(redactUrl(label)).toBe(label);
    expect(labelUrlsIn(label)).toBe(label);
  });

  it('relabels every URL in free text, keeping the sentence around it', () => {
    expect(labelUrlsIn('HTTP 500 from https://u:p@pkgs.example/TOKEN/simple/a/ (after 4 attempts)')).toBe('HTTP 500 from https://pkgs.example (after 4 attempts)');
    expect(labelUrlsIn('not found on https://a.example/T1/simple/, https://b.example:81/T2/simple/')).toBe('not found on https://a.example, https://b.example:81');
  });
});
