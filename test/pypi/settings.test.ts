import { describe, expect, it } from 'vitest';
import { DEFAULT_INDEX_URL, IndexSettingsError, resolveIndexSettings } from '../../src/pypi/settings.js';

describe('resolveIndexSettings', () => {
  it('defaults to PyPI', () => {
    expect(resolveIndexSettings({})).toEqual({ indexUrl: DEFAULT_INDEX_URL, extraIndexUrls: [] });
  });

  it('options > manifest > PIP_INDEX_URL > UV_DEFAULT_INDEX > UV_INDEX_URL', () => {
    const env = { PIP_INDEX_URL: 'https://pip.example/simple', UV_DEFAULT_INDEX: 'https://uvd.example/simple', UV_INDEX_URL: 'https://uv.example/simple' };
    expect(resolveIndexSettings({ options: { indexUrl: 'https://opt.example/simple' }, manifest: { indexUrl: 'https://req.example/simple' }, env }).indexUrl).toBe('https://opt.example/simple/');
    expect(resolveIndexSettings({ manifest: { indexUrl: 'https://req.example/simple' }, env }).indexUrl).toBe('https://req.example/simple/');
    expect(resolveIndexSettings({ env }).indexUrl).toBe('https://pip.example/simple/');
    expect(resolveIndexSettings({ env: { ...env, PIP_INDEX_URL: '' } }).indexUrl).toBe('https://uvd.example/simple/');
    expect(resolveIndexSettings({ env: { UV_INDEX_URL: 'https://uv.example/simple' } }).indexUrl).toBe('https://uv.example/simple/');
  });

  it('adds extra indexes from every source, space-separated env lists, without duplicates', () => {
    const settings = resolveIndexSettings({
      options: { extraIndexUrls: ['https://a.example/simple/'] },
      manifest: { extraIndexUrls: ['https://b.example/simple', 'https://a.example/simple'] },
      env: { PIP_EXTRA_INDEX_URL: ' https://c.example/simple  https://pypi.org/simple ', UV_INDEX: 'internal=https://d.example/simple' },
    });
    expect(settings.extraIndexUrls).toEqual([
      'https://a.example/simple/',
      'https://b.example/simple/',
      'https://c.example/simple/',
      'https://d.example/simple/',
    ]);
  });

  it('rejects non-HTTP index URLs without showing credentials', () => {
    expect(() => resolveIndexSettings({ options: { indexUrl: 'ftp://u:secret@h/simple' } })).toThrow(IndexSettingsError);
    try {
      resolveIndexSettings({ options: { indexUrl: 'ftp://u:secret@h/simple' } });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
      expect((error as Error).message).toContain('--index-url');
    }
  });
});
