#!/usr/bin/env node
// Runs site/js/page/format.js (the Results panel's formatting) on the values given as JSON on
// stdin and prints what it makes of each, as JSON: tests/unit/test_result_format.py.
import { describeValue, formatNumber } from "../../site/js/page/format.js";

let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { numbers, values } = JSON.parse(input);
  process.stdout.write(JSON.stringify({
    numbers: numbers.map(formatNumber),
    values: values.map(describeValue),
  }));
});
