<?php
// Named frames so the slowlog shows a stack (wait_for_backend -> sleep), not a lone sleep().
function wait_for_backend(int $seconds): void
{
    sleep($seconds);
}

function handle_request(int $seconds): void
{
    wait_for_backend($seconds);
}

$s = max(0, min(120, (int) ($_GET['s'] ?? 1)));
handle_request($s);
header('Content-Type: text/plain');
echo "slept {$s}s\n";
