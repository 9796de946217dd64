import { naipBruteForceSuite } from './naip.suite.ts';

naipBruteForceSuite('sqlite', { overrides: {}, cleanup: async () => undefined });
