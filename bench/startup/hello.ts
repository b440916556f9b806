// Baseline for bench/startup: the smallest program compiled the same way as dist/perfloop.
console.log("hello");
