import { describe, expect, it } from 'vitest';
import { formatWireMessage, WIRE_ERRORS, type WireError } from './wire-errors.js';

describe('formatWireMessage', () => {
  it('prefixes the module code in parentheses when the text has no placeholder', () => {
    expect(formatWireMessage(WIRE_ERRORS.NO_MESSAGE)).toBe('(10200)no message');
  });

  it('fills %s with the argument when the text has one placeholder', () => {
    expect(formatWireMessage(WIRE_ERRORS.MISSING_PARAMETER, ['queueName'])).toBe(
      '(10390)lacked of required parameter queueName',
    );
  });

  it('fills placeholders in order when the text has several', () => {
    expect(formatWireMessage(WIRE_ERRORS.REQUEST_TOO_LARGE, ['body', '1MB'])).toBe(
      '(10420)cannot parse body, or request size is more than 1MB',
    );
  });

  it('appends extra arguments as detail when there are more arguments than placeholders', () => {
    expect(formatWireMessage(WIRE_ERRORS.OUT_OF_RANGE, ['delaySeconds', 'must be between 0 and 3600'])).toBe(
      '(10350)parameter delaySeconds value or length is out of range: must be between 0 and 3600',
    );
  });

  it('joins several details with semicolons and skips empty ones when extra arguments are given', () => {
    expect(formatWireMessage(WIRE_ERRORS.QUEUE_NOT_FOUND, ['orders', '', 'since 12:00'])).toBe(
      '(10100)queue is not existed, or deleted: orders; since 12:00',
    );
  });

  it('leaves a placeholder empty when its argument is missing', () => {
    expect(formatWireMessage(WIRE_ERRORS.REQUEST_TOO_LARGE, ['body'])).toBe(
      '(10420)cannot parse body, or request size is more than ',
    );
  });

  it('does not expand %s inside an argument when an argument contains one', () => {
    expect(formatWireMessage(WIRE_ERRORS.UNKNOWN_ACTION, ['%s', 'x'])).toBe(
      '(10430)action name %s is not existed: x',
    );
  });
});

describe('WIRE_ERRORS', () => {
  const entries = Object.entries(WIRE_ERRORS) as Array<[string, WireError]>;

  it.each(entries)('%s has a 4-digit code, a numeric module and a text', (_name, error) => {
    expect(Number.isInteger(error.code)).toBe(true);
    expect(String(error.code)).toMatch(/^\d{4}$/);
    expect(Number.isInteger(error.module)).toBe(true);
    expect(error.module).toBeGreaterThan(0);
    expect(error.text.length).toBeGreaterThan(0);
  });

  it('has one entry per code and module pair (CMQ reuses modules across codes, e.g. 10470)', () => {
    const pairs = entries.map(([, e]) => `${e.code}/${e.module}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });
});
