// A program has one main: a second runMain() throws, and the first still runs.
import { runMain } from "../mod.ts";

runMain(() => console.log("first main ran"));
try {
  runMain(() => console.log("second main ran"));
} catch (error) {
  console.log((error as Error).message);
}
