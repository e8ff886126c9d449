import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedHttpOptions, fetchFeed } from '../../../src/adapters/ical/ics-http.js';
import { isBlockedAddress, type LookupFunction } from '../../../src/adapters/ical/ssrf-guard.js';
import { PermanentError } from '../../../src/domain/errors.js';

const FEED = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';
let server: http.Server;
let port: number;
const lookedUp: string[] = [];

/** A DNS without DNS: every *.example name resolves to 127.0.0.1, as a rebinding attacker would arrange. */
const fakeDns: LookupFunction = (hostname, options, callback) => {
  lookedUp.push(hostname);
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

function options(allowPrivateHosts: string[] = []): FeedHttpOptions {
  return {
    allowPrivateHosts,
    timeoutMs: 5_000,
    maxBytes: 1024 * 1024,
    maxDecompressedBytes: 4 * 1024 * 1024,
    maxRedirects: 5,
    lookup: fakeDns,
  };
}

beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/to-loopback') {
      response.writeHead(302, { Location: `http://127.0.0.1:${port}/feed.ics` });
      response.end();
      return;
    }
    if (request.url === '/to-cleartext') {
      response.writeHead(302, { Location: `http://other.example:${port}/feed.ics` });
      response.end();
      return;
    }
    if (request.url === '/to-rebound-name') {
      response.writeHead(302, { Location: `https://evil.example:${port}/feed.ics` });
      response.end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/calendar' });
    response.end(FEED);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('SSRF guard against a real loopback server', () => {
  it('refuses a feed on 127.0.0.1', async () => {
    const error = await failure(fetchFeed(`http://127.0.0.1:${port}/feed.ics`, {}, options()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/ics\.allowPrivateHosts/);
  });

  it('accepts it once the host is in allowPrivateHosts', async () => {
    const result = await fetchFeed(`http://127.0.0.1:${port}/feed.ics`, {}, options(['127.0.0.1']));
    expect(result).toMatchObject({ kind: 'body', body: FEED });
  });

  it('refuses a public-looking name that resolves to 127.0.0.1, checked when connecting', async () => {
    lookedUp.length = 0;
    const error = await failure(fetchFeed(`https://calendar.example:${port}/feed.ics`, {}, options()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/private/);
    expect(lookedUp).toContain('calendar.example');
  });

  it('accepts that name when it is listed (on-premises Exchange)', async () => {
    const result = await fetchFeed(
      `http://calendar.example:${port}/feed.ics`,
      {},
      options(['calendar.example']),
    );
    expect(result.kind).toBe('body');
  });

  it('refuses a redirect from an allowed host to 127.0.0.1', async () => {
    const error = await failure(
      fetchFeed(`http://calendar.example:${port}/to-loopback`, {}, options(['calendar.example'])),
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/private/);
  });

  it('refuses a redirect to a public-looking name that resolves to 127.0.0.1', async () => {
    lookedUp.length = 0;
    const error = await failure(
      fetchFeed(`http://calendar.example:${port}/to-rebound-name`, {}, options(['calendar.example'])),
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(lookedUp).toContain('evil.example');
  });
});

describe('https outside ics.allowPrivateHosts', () => {
  it('refuses http:// to a host that is not listed, before connecting (the URL is a secret)', async () => {
    lookedUp.length = 0;
    const error = await failure(fetchFeed(`http://calendar.example:${port}/feed.ics`, {}, options()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/uses http:\/\/.*use https, or list .* ics\.allowPrivateHosts/);
    expect(lookedUp).toEqual([]);
  });

  it('refuses a redirect from a listed host to http:// on an unlisted one', async () => {
    const error = await failure(
      fetchFeed(`http://calendar.example:${port}/to-cleartext`, {}, options(['calendar.example'])),
    );
    expect(error.message).toMatch(/uses http:\/\//);
  });
});

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '[::1]',
    'not-an-address',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.0',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '2a00:1450:4001::200e',
  ])('allows %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});
