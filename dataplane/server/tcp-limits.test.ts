import { strict as assert } from 'node:assert';
import { clientKey, DEFAULT_TCP_LIMITS, TcpConnectionTable, TcpLimitError, tcpLimits, type TcpConnection } from './tcp-limits';

// The connection policy on its own, with a clock the tests move by hand (no sockets).

describe('clientKey', () => {
  it('counts an IPv4 address as itself, also IPv4-mapped', () => {
    assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::FFFF:10.1.2.3'), '10.1.2.3');
  });

  it('counts an IPv6 address by its /64 by default, or by the prefix given', () => {
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8:1:2::9'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8:1:2ff:3:4:5:6', 56), '2001:db8:1:200::/56');
    assert.equal(clientKey('2001:db8::1', 128), '2001:db8:0:0:0:0:0:1/128');
    assert.equal(clientKey('::1'), '::/64');
    assert.equal(clientKey('fe80::1%eth0'), 'fe80::/64');
    assert.equal(clientKey('64:ff9b::192.0.2.1', 96), '64:ff9b::/96');
    assert.equal(clientKey('64:ff9b::192.0.2.1', 128), '64:ff9b:0:0:0:0:c000:201/128');
  });

  it('puts two hosts of one /64 together and two /64s apart', () => {
    assert.equal(clientKey('2001:db8:a:b::1'), clientKey('2001:db8:a:b:ffff::2'));
    assert.notEqual(clientKey('2001:db8:a:b::1'), clientKey('2001:db8:a:c::1'));
  });

  it('keeps anything that is not an address apart as it is', () => {
    assert.equal(clientKey(undefined), '?');
    assert.equal(clientKey('not-an-address'), 'not-an-address');
  });
});

describe('tcpLimits', () => {
  it('fills in the defaults', () => {
    assert.deepEqual(tcpLimits({ idleMs: 5 }), { ...DEFAULT_TCP_LIMITS, idleMs: 5 });
  });

  it('refuses zero, negative, fractional counts and prefixes over 128, naming the limit', () => {
    assert.throws(() => tcpLimits({ messageMs: 0 }), (e: unknown) => e instanceof TcpLimitError && e.limit === 'messageMs');
    assert.throws(() => tcpLimits({ maxConnections: -1 }), /maxConnections: -1 is not a positive number/);
    assert.throws(() => tcpLimits({ maxPerClient: 2.5 }), /maxPerClient: 2.5 is not a whole number/);
    assert.throws(() => tcpLimits({ ipv6PrefixLength: 129 }), /ipv6PrefixLength: 129 is not at most 128/);
    assert.throws(() => tcpLimits({ idleMs: NaN }), TcpLimitError);
  });
});

describe('TcpConnectionTable', () => {
  const limits = { maxConnections: 4, maxPerClient: 2, idleMs: 1000, messageMs: 300, lifetimeMs: 5000 };
  type Conn = TcpConnection<string>;
  const names = (cs: readonly Conn[]): string[] => cs.map((c) => c.handle);

  it('takes connections up to the caps without shedding', () => {
    const t = new TcpConnectionTable<string>(limits);
    assert.deepEqual(names(t.admit('a', '10.0.0.1', 0).shed), []);
    assert.deepEqual(names(t.admit('b', '10.0.0.1', 1).shed), []);
    assert.deepEqual(names(t.admit('c', '10.0.0.2', 2).shed), []);
    assert.equal(t.size, 3);
    assert.equal(t.countOf('10.0.0.1'), 2);
  });

  it('at the per-client cap, sheds that client\'s longest idle connection, not another client\'s', () => {
    const t = new TcpConnectionTable<string>(limits);
    const a = t.admit('a', '10.0.0.1', 0).connection!;
    t.admit('b', '10.0.0.1', 10);
    t.admit('other', '10.0.0.2', 0);
    a.queryReceived(50); // a was busy more recently than b
    const third = t.admit('c', '10.0.0.1', 60);
    assert.equal(third.connection?.handle, 'c');
    assert.deepEqual(names(third.shed), ['b']);
    assert.equal(t.countOf('10.0.0.1'), 2);
    assert.equal(t.countOf('10.0.0.2'), 1);
  });

  it('counts the hosts of one IPv6 /64 as one client', () => {
    const t = new TcpConnectionTable<string>(limits);
    t.admit('a', '2001:db8:1:1::1', 0);
    t.admit('b', '2001:db8:1:1::2', 1);
    assert.deepEqual(names(t.admit('c', '2001:db8:1:1::3', 2).shed), ['a']);
    assert.deepEqual(names(t.admit('d', '2001:db8:1:2::1', 3).shed), []);
  });

  it('at the global cap, sheds the longest idle connection of all instead of refusing the new one', () => {
    const t = new TcpConnectionTable<string>(limits);
    const conns = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip, i) => t.admit(`c${i}`, ip, i).connection!);
    conns[0]!.queryReceived(100);
    const fifth = t.admit('new', '10.0.0.5', 200);
    assert.equal(fifth.connection?.handle, 'new');
    assert.deepEqual(names(fifth.shed), ['c1']);
    assert.equal(t.size, 4);
  });

  it('sheds a connection waiting for a query before one whose replies wait for its reader, and never a transfer', () => {
    const t = new TcpConnectionTable<string>({ ...limits, maxConnections: 3, maxPerClient: 3 });
    const [x, y] = ['x', 'y', 'z'].map((h, i) => t.admit(h, '10.0.0.1', i).connection!) as [Conn, Conn, Conn];
    x.answering = true; // the oldest, but a zone transfer runs on it
    y.waitingForReader = true; // older than z, but its replies wait for its client to read them
    const n = t.admit('n', '10.0.0.2', 100);
    assert.deepEqual(names(n.shed), ['z']);
    n.connection!.answering = true;
    assert.deepEqual(names(t.admit('m', '10.0.0.3', 101).shed), ['y']);
  });

  it('refuses a new connection when every connection in its way is a transfer', () => {
    const t = new TcpConnectionTable<string>({ ...limits, maxConnections: 2, maxPerClient: 2 });
    t.admit('a', '10.0.0.1', 0).connection!.answering = true;
    t.admit('b', '10.0.0.2', 0).connection!.answering = true;
    const refused = t.admit('c', '10.0.0.3', 1);
    assert.equal(refused.connection, undefined);
    assert.deepEqual(names(refused.shed), []);
    assert.equal(t.size, 2);
  });

  it('closes a message not whole within messageMs of its first octet, however many octets follow', () => {
    const t = new TcpConnectionTable<string>(limits);
    const c = t.admit('a', '10.0.0.1', 0).connection!;
    c.messagePartial(100);
    c.messagePartial(200); // more octets, same message: the clock does not restart
    assert.deepEqual(t.due(399), []);
    assert.deepEqual(t.due(400).map((d) => [d.connection.handle, d.reason]), [['a', 'incomplete']]);
    c.queryReceived(390); // whole after all
    assert.deepEqual(t.due(400), []);
  });

  it('closes a connection idle for idleMs: octets of a message that never completes do not count as activity', () => {
    const t = new TcpConnectionTable<string>({ ...limits, messageMs: 10_000 });
    const c = t.admit('a', '10.0.0.1', 0).connection!;
    c.messagePartial(500);
    assert.deepEqual(t.due(999), []);
    assert.deepEqual(t.due(1000).map((d) => d.reason), ['idle']);
    c.repliesTaken(900);
    assert.deepEqual(t.due(1000), []);
  });

  it('ends a busy connection at the end of its lifetime, except while a transfer runs on it', () => {
    const t = new TcpConnectionTable<string>(limits);
    const c = t.admit('a', '10.0.0.1', 0).connection!;
    for (let now = 0; now < 5000; now += 500) c.queryReceived(now);
    assert.deepEqual(t.due(4999), []);
    c.answering = true;
    assert.deepEqual(t.due(5000), []);
    c.answering = false;
    assert.deepEqual(t.due(5000).map((d) => d.reason), ['lifetime']);
  });

  it('forgets removed connections, also twice', () => {
    const t = new TcpConnectionTable<string>(limits);
    const c = t.admit('a', '10.0.0.1', 0).connection!;
    t.remove(c);
    t.remove(c);
    assert.equal(t.size, 0);
    assert.equal(t.countOf('10.0.0.1'), 0);
    assert.deepEqual(t.due(10_000), []);
  });
});
