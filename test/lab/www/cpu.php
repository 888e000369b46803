<?php
// Burns CPU for ?ms= milliseconds (capped), e.g. to show a high %C in the access log.
$ms = max(0, min(20000, (int) ($_GET['ms'] ?? 500)));
$end = microtime(true) + $ms / 1000;
$x = 0;
while (microtime(true) < $end) {
    $x = ($x + 1) % 1000003;
}
header('Content-Type: text/plain');
echo "burned {$ms}ms\n";
