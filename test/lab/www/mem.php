<?php
// Grows this worker's memory in steps until ?max= MiB, with memory_limit lifted so PHP itself never
// stops it: only a cgroup limit (the kernel OOM killer) does.
ini_set('memory_limit', '-1');
$step = max(1, min(64, (int) ($_GET['step'] ?? 8)));
$max = max($step, min(2048, (int) ($_GET['max'] ?? 512)));
$hold = [];
for ($mb = $step; $mb <= $max; $mb += $step) {
    // str_repeat writes every byte, so the pages are really resident (and charged), not just reserved.
    $hold[] = str_repeat('m', $step * 1024 * 1024);
    usleep(10000);
}
header('Content-Type: text/plain');
echo 'held ' . count($hold) * $step . " MiB\n";
