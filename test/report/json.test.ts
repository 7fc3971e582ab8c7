/**
 * The JSON report carries the facts that the sentences of a finding name as fields of their own,
 * and the schema in the repository types and describes them (a real scan of the demo, checked by Ajv).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { scanDemo } from '../support/demo.js';
import { REPO_ROOT } from '../support/shared.js';

type Schema = { properties: { findings: { items: { properties: Record<string, { type?: string; description?: string }> } } } };
const schema = JSON.parse(readFileSync(resolve(REPO_ROOT, 'schema/report-v1.schema.json'), 'utf8')) as Schema;
const validate = new Ajv({ allErrors: true }).compile(schema);

describe('the facts fields of a finding in the JSON report', () => {
  let report: { findings: Record<string, unknown>[] };
  beforeAll(async () => {
    report = JSON.parse(renderJson(await scanDemo())) as typeof report;
  });

  it('hiredis lost its pp73 wheels after 3.2.1: the field says so, as the sentence does', () => {
    const lost = report.findings.filter((f) => f['verdict'] === 'lost-pypy-wheels');
    expect(lost.map((f) => [f['name'], f['version'], f['lastVersionWithWheels']])).toEqual([['hiredis', '3.3.0', '3.2.1']]);
    expect((lost[0]!['evidence'] as string[])[0]).toMatch(/^3\.2\.1 /);
    for (const f of report.findings.filter((x) => x['verdict'] !== 'lost-pypy-wheels')) expect(f).not.toHaveProperty('lastVersionWithWheels');
  });

  it('validates against the schema, which types and describes both fields', () => {
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const fields = schema.properties.findings.items.properties;
    const [first, ...rest] = report.findings;
    for (const name of ['lastVersionWithWheels', 'newestInstallable']) {
      expect(fields[name]).toMatchObject({ type: 'string', description: expect.stringMatching(/read this, not the sentence$/) });
      expect(validate({ ...report, findings: [{ ...first, [name]: '5.2.9' }, ...rest] })).toBe(true);
      expect(validate({ ...report, findings: [{ ...first, [name]: 3 }, ...rest] })).toBe(false);
    }
  });
});
