/**
 * One group of four Workers for every hidden test file of the lab that needs
 * Workers. The grader runs a lab's hidden files in one isolate
 * (core/test_entry.ts), so the first test that asks for the group starts it
 * and the files after it reuse it: a Worker costs some 50 ms of CPU to start
 * (an isolate of its own, lab_worker.ts loaded), more than most runs below.
 * A run that fails by timing out terminates the group, and the next test that
 * asks gets a new one (worker_group.ts). The Workers are stopped once every
 * test has run; a test that wants Workers of its own (a producer that comes
 * after the consumer) starts them itself.
 *
 * @module
 */
import { after } from "node:test";
import { SharedWorkerGroup } from "./worker_group.ts";

/** The lab's Workers: a run may use any number of them up to four. */
export const workers = new SharedWorkerGroup(4);
after(() => workers.terminate());
