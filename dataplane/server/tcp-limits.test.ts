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

  it('at the per-client cap, sheds that client\'s connections at the sweep, not another client\'s: one that never asked first', () => {
    const t = new TcpConnectionTable<string>(limits);
    const a = t.admit('a', '10.0.0.1', 0).connection!;
    t.admit('b', '10.0.0.1', 10);
    t.admit('other', '10.0.0.2', 0);
    a.queryReceived(50); // a asked a question; b never did
    const third = t.admit('c', '10.0.0.1', 60);
    // Taken at once, over the client's cap until the sweep...
    assert.equal(third.connection?.handle, 'c');
    assert.deepEqual(names(third.shed), []);
    assert.equal(t.countOf('10.0.0.1'), 3);
    // ...which sheds the one that never sent a whole query, although c is newer and also silent.
    assert.deepEqual(t.due(70).map((d) => [d.connection.handle, d.reason]), [['b', 'shed']]);
    assert.equal(t.countOf('10.0.0.1'), 2);
    assert.equal(t.countOf('10.0.0.2'), 1);
    assert.deepEqual(t.due(80), []);
  });

  it('counts the hosts of one IPv6 /64 as one client', () => {
    const t = new TcpConnectionTable<string>(limits);
    t.admit('a', '2001:db8:1:1::1', 0);
    t.admit('b', '2001:db8:1:1::2', 1);
    t.admit('c', '2001:db8:1:1::3', 2);
    t.admit('d', '2001:db8:1:2::1', 3);
    assert.deepEqual(t.due(10).map((d) => d.connection.handle), ['a']);
  });

  it('at the global cap, sheds at once instead of refusing: first from a client over its cap, then the longest idle', () => {
    const t = new TcpConnectionTable<string>(limits);
    const conns = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip, i) => t.admit(`c${i}`, ip, i).connection!);
    for (const [i, c] of conns.entries()) c.queryReceived(10 + i);
    conns[0]!.queryReceived(100);
    const fifth = t.admit('new', '10.0.0.5', 200);
    assert.equal(fifth.connection?.handle, 'new');
    assert.deepEqual(names(fifth.shed), ['c1']);
    assert.equal(t.size, 4);
    fifth.connection!.queryReceived(200);
    // 10.0.0.6 opens two, at its cap: they take the places of c2 and c3, idle longest...
    const x1 = t.admit('x1', '10.0.0.6', 300);
    assert.deepEqual(names(x1.shed), ['c2']);
    x1.connection!.queryReceived(300);
    const x2 = t.admit('x2', '10.0.0.6', 301);
    assert.deepEqual(names(x2.shed), ['c3']);
    x2.connection!.queryReceived(301);
    // ...but its third would put it over its cap, so its own connections give way, not c0 or new.
    assert.deepEqual(names(t.admit('x3', '10.0.0.6', 302).shed), ['x1']);
  });

  it('sheds one that never asked before one waiting for its next query, before one whose replies wait for its reader; never a transfer', () => {
    const t = new TcpConnectionTable<string>({ ...limits, maxConnections: 4, maxPerClient: 4 });
    const [x, y, z, w] = ['x', 'y', 'z', 'w'].map((h, i) => t.admit(h, '10.0.0.1', i).connection!) as [Conn, Conn, Conn, Conn];
    x.answering = true; // the oldest, but a zone transfer runs on it
    y.queryReceived(5);
    y.waitingForReader = true; // its replies wait for its client to read them
    z.queryReceived(6); // idle since 6
    w.queryReceived(50); // idle since 50
    const n = t.admit('n', '10.0.0.2', 100);
    assert.deepEqual(names(n.shed), ['z']);
    const m = t.admit('m', '10.0.0.3', 101);
    assert.deepEqual(names(m.shed), ['n']); // never asked
    m.connection!.queryReceived(102);
    const k = t.admit('k', '10.0.0.3', 103);
    assert.deepEqual(names(k.shed), ['w']);
    // With m and k busy in transfers too, only y can give way.
    m.connection!.answering = true;
    k.connection!.answering = true;
    assert.deepEqual(names(t.admit('i', '10.0.0.4', 104).shed), ['y']);
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

  it('closes a connection whose client has not taken its waiting replies for messageMs', () => {
    const t = new TcpConnectionTable<string>(limits);
    const c = t.admit('a', '10.0.0.1', 0).connection!;
    c.queryReceived(10);
    c.repliesWaiting(20);
    assert.deepEqual(t.due(319), []);
    c.repliesTaken(300); // it read in time
    c.repliesWaiting(310);
    assert.deepEqual(t.due(609), []);
    assert.deepEqual(t.due(610).map((d) => d.reason), ['unread']);
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
