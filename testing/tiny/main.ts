/**
 * ganbench's command line with the test-only entries of `register.ts` registered first: what the
 * end-to-end tests run instead of `src/cli.ts` when a suite names a `tiny-*` dataset or variant.
 *
 * The entries exist in this process only. Cells that run in worker threads (`--jobs` > 1) import
 * the production registries afresh and would not find them, so runs of tiny suites pass
 * `--jobs 1`; the worker path is covered by the real smoke suite of src/cli_test.ts.
 *
 * @module
 */
import "./register.ts";
import { main } from "../../src/cli.ts";

Deno.exit(await main(Deno.args));
