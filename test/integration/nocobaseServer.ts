// Root hooks for the real-NocoBase suite: the local NocoBase, started unless it already runs.
import { LocalNocoBase } from "../support/localNocoBase";

const nocobase = new LocalNocoBase();

export const mochaHooks = {
    beforeAll(this: Mocha.Context) {
        this.timeout(900_000);
        process.env.NOCOBASE_IT_URL = nocobase.start();
    },
    afterAll() {
        nocobase.release();
    },
};
