// The rules of docs/adr/0001-repository-layout.md, checked by docs/adr/0001-layers.test.ts on every
// test run (and by hand with `npx depcruise --config .dependency-cruiser.cjs api cli crds charts dataplane operator e2e`).
// Each row of LAYERS is one row of the ADR's table: the folder, and the folders it may import
// besides itself. Change the ADR and this table together.

/**
 * Tests may import anything; everything else here is held to the table. Tests are `*.test.ts`,
 * their fixture builders next to them (`*.fixtures.ts`) and the integration tests in dataplane/test/.
 */
const TESTS = '\\.(test|fixtures)\\.ts$|^dataplane/test/';
/** Tools that start servers, peers and control planes, shared by tests and benchmarks. */
const TESTKIT = '^dataplane/testkit/|^operator/testkit/|^e2e/support/';
const BENCH = '^dataplane/bench/|^e2e/bench/';
/** The coverage-guided fuzzer and its targets (issue #15, ADR 0018): run by a test and `npm run fuzz`, never by production. */
const FUZZ = '^dataplane/fuzz/';

/** The dataplane folders that ship (everything under dataplane/ but tests, testkit and benchmarks). */
const DATAPLANE = ['dns', 'zone', 'dnssec', 'signing', 'nameserver', 'manifest', 'server', 'transfer', 'control', 'store', 'cloud', 'standalone', 'log', 'metrics', 'runtime'];

/** folder (a path prefix) → the folders it may import besides itself. */
const LAYERS = {
  'crds/': [],
  // The Helm chart's generator (npm run chart): reads crds/*.yaml and operator/rbac.yaml as files.
  'charts/': [],
  'dataplane/dns/': [],
  'dataplane/zone/': ['dataplane/dns/'],
  // Keys, signatures and signed zones (issue #11): pure, synchronous, node:crypto only.
  'dataplane/dnssec/': ['dataplane/dns/', 'dataplane/zone/'],
  'dataplane/nameserver/': ['dataplane/dns/', 'dataplane/zone/'],
  // Worker threads that make the signatures of a signing plan (issue #11): not core, it starts threads.
  'dataplane/signing/': ['dataplane/dnssec/', 'dataplane/zone/', 'dataplane/dns/'],
  'dataplane/manifest/': ['dataplane/dns/', 'dataplane/zone/', 'dataplane/dnssec/', 'crds/'],
  'dataplane/server/': ['dataplane/nameserver/', 'dataplane/log/'],
  'dataplane/transfer/': ['dataplane/dns/', 'dataplane/zone/', 'dataplane/log/'],
  // The start-up path of every dataplane process (issue #10).
  'dataplane/runtime/': ['dataplane/server/', 'dataplane/nameserver/', 'dataplane/zone/', 'dataplane/dns/', 'dataplane/log/', 'dataplane/metrics/'],
  // The control server follows the store as a cloud of every zone does (cloud/store-follower.ts),
  // and signs zones (issue #11, ADR 0015): it opens signing orders (dnssec/) and signs on the pool (signing/).
  'dataplane/control/': ['dataplane/transfer/', 'dataplane/store/', 'dataplane/nameserver/', 'dataplane/zone/', 'dataplane/dns/', 'dataplane/runtime/', 'dataplane/cloud/', 'dataplane/log/', 'dataplane/dnssec/', 'dataplane/signing/', 'dataplane/metrics/'],
  'dataplane/store/': ['dataplane/dns/', 'dataplane/zone/', 'dataplane/dnssec/', 'dataplane/log/'],
  'dataplane/cloud/': ['dataplane/store/', 'dataplane/server/', 'dataplane/nameserver/', 'dataplane/runtime/', 'dataplane/zone/', 'dataplane/dns/', 'dataplane/log/'],
  'dataplane/standalone/': DATAPLANE.map((f) => `dataplane/${f}/`),
  'dataplane/log/': [],
  // Prometheus exposition shared by the dataplane processes and the operator (issue #13): series
  // read from counts kept elsewhere.
  'dataplane/metrics/': [],
  // The provisioning REST API (issue #16): zones and RRsets over the CRs through the API server;
  // the zone model checks RRsets before they are written; operator/kube/ shares its client configuration.
  'api/': ['crds/', 'dataplane/dns/', 'dataplane/zone/', 'dataplane/manifest/', 'dataplane/log/', 'operator/kube/'],
  'cli/': [...DATAPLANE.map((f) => `dataplane/${f}/`), 'operator/', 'crds/', 'api/'],
  // operator/kube/ is the Kubernetes client every controller uses: it knows the API types and
  // nothing of the controllers (issue #10).
  'operator/kube/': ['crds/', 'dataplane/log/'],
  // Fakes of the operator's clients for the controllers' unit tests (issue #10): test support, never production.
  'operator/testkit/': ['operator/', 'crds/', 'dataplane/dns/', 'dataplane/store/', 'dataplane/log/'],
  // dataplane/transfer/: mode Parent asks the parent's nameservers for a zone's DS (issue #11, parent-ds.ts).
  'operator/': ['crds/', 'dataplane/dns/', 'dataplane/zone/', 'dataplane/dnssec/', 'dataplane/manifest/', 'dataplane/store/', 'dataplane/transfer/', 'dataplane/log/', 'dataplane/metrics/'],
  // Benchmarks run production code and the testkit, never tests.
  'dataplane/bench/': [...DATAPLANE.map((f) => `dataplane/${f}/`), 'crds/', 'dataplane/testkit/'],
  'e2e/bench/': [...DATAPLANE.map((f) => `dataplane/${f}/`), 'operator/', 'crds/', 'cli/', 'api/', 'dataplane/testkit/', 'e2e/support/'],
  // The fuzzer feeds the parsers, the Responder, the manifest loader and the transfer client
  // (issue #15, ADR 0018); pure in-process, so it needs no testkit.
  'dataplane/fuzz/': ['dataplane/dns/', 'dataplane/zone/', 'dataplane/dnssec/', 'dataplane/nameserver/', 'dataplane/manifest/', 'dataplane/transfer/'],
  // The testkit drives production code; it never reaches into tests.
  'dataplane/testkit/': [...DATAPLANE.map((f) => `dataplane/${f}/`), 'crds/'],
  'e2e/support/': [...DATAPLANE.map((f) => `dataplane/${f}/`), 'operator/', 'crds/', 'cli/', 'dataplane/testkit/'],
};

/** The error base (`DnsfleetError`): every layer may import it. */
const EVERYWHERE = ['dataplane/dns/error.ts'];

/** Node modules the DNS core may import: hashing and HMAC do no I/O. */
const CORE_NODE_MODULES = ['crypto'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const anyOf = (prefixes) => (prefixes.length === 0 ? '^$' : prefixes.map((p) => `^${escape(p)}`).join('|'));
/** The most specific row wins: operator/kube/ is held to its own row, not operator/'s. */
const longerRows = (folder) => Object.keys(LAYERS).filter((f) => f !== folder && f.startsWith(folder));

const layerRules = Object.entries(LAYERS).map(([folder, mayImport]) => ({
  name: `layer:${folder.replace(/\/$/, '')}`,
  comment: `ADR 0001: ${folder} may import ${mayImport.length === 0 ? 'nothing outside itself' : mayImport.join(', ')}`,
  severity: 'error',
  from: { path: `^${escape(folder)}`, pathNot: [TESTS, ...longerRows(folder).map((f) => `^${escape(f)}`)].join('|') },
  to: {
    // Only the repository's own folders; npm packages and Node's modules have their own rules.
    path: '^(api|cli|crds|charts|dataplane|operator|e2e)/',
    pathNot: anyOf([folder, ...mayImport, ...EVERYWHERE]),
  },
}));

/**
 * Violations that other parts of issue #10 remove, each with its importing file, the imported file
 * and the rule. The test fails when one of them no longer occurs, so this list only shrinks.
 * Empty it at the merge of issue #10.
 */
const pendingViolations = [
].map(([rule, from, to]) => ({
  type: 'dependency',
  from,
  to,
  rule: { severity: 'error', name: rule },
  ...(rule === 'no-circular' ? { cycle: [{ name: to, dependencyTypes: [] }, { name: from, dependencyTypes: [] }] } : {}),
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'ADR 0001: no import cycles, so every layer can be read and tested from the bottom up',
      severity: 'error',
      from: { path: '^(api|cli|crds|charts|dataplane|operator|e2e)/' },
      to: { circular: true },
    },
    {
      name: 'core-no-io',
      comment: `ADR 0001: the DNS core (dns/, zone/, dnssec/, nameserver/) does no I/O: of Node's modules it may import only ${CORE_NODE_MODULES.join(', ')}`,
      severity: 'error',
      from: { path: '^dataplane/(dns|zone|dnssec|nameserver)/', pathNot: TESTS },
      to: { dependencyTypes: ['core'], pathNot: `^(node:)?(${CORE_NODE_MODULES.join('|')})$` },
    },
    {
      name: 'core-no-packages',
      comment: 'ADR 0001: the DNS core (dns/, zone/, dnssec/, nameserver/) imports no npm package',
      severity: 'error',
      from: { path: '^dataplane/(dns|zone|dnssec|nameserver)/', pathNot: TESTS },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'production-no-tests',
      comment: 'ADR 0001: production code imports no test, test support, testkit, benchmark or fuzzer',
      severity: 'error',
      from: { path: '^(api|cli|crds|charts|dataplane|operator)/', pathNot: [TESTS, TESTKIT, BENCH, FUZZ].join('|') },
      to: { path: [TESTS, TESTKIT, BENCH, FUZZ, '^e2e/'].join('|') },
    },
    {
      name: 'testkit-no-tests',
      comment: 'ADR 0001: the testkit, the benchmarks and the fuzzer import no test (tests import them, not the other way)',
      severity: 'error',
      from: { path: [TESTKIT, BENCH, FUZZ].join('|'), pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'ADR 0001: production code imports no devDependency (they are not installed in the image)',
      severity: 'error',
      from: { path: '^(api|cli|crds|charts|dataplane|operator)/', pathNot: [TESTS, TESTKIT, BENCH, '^crds/generate\\.ts$', '^api/generate-openapi\\.ts$'].join('|') },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'layer-unlisted',
      comment: 'ADR 0001: every folder is a row of the table (add a new folder to the ADR and to LAYERS here)',
      severity: 'error',
      from: { path: '^(api|cli|crds|charts|dataplane|operator|e2e)/', pathNot: [TESTS, anyOf(Object.keys(LAYERS))].join('|') },
      to: {},
    },
    ...layerRules,
  ],

  options: {
    // Reported as 'ignore' instead of 'error'; see pendingViolations above.
    knownViolations: pendingViolations,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/|^node_modules/' },
    // Type-only imports count: a layer that names another layer's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};

