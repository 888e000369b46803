<?php
// The self-request anti-pattern: the app calls its own site over HTTP, with no timeout, while
// holding a worker. When every worker does this, the inner requests queue behind them: deadlock.
// The address is the listener this request came in on (SERVER_ADDR:SERVER_PORT), as an app
// configured with its own base URL would do; under a pool's URL prefix (/tcp/, /od/) it calls the
// page under the same prefix, so the inner request needs a worker of the same pool.
function fetch_own_page(string $url): string
{
    $ch = curl_init($url);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    $body = curl_exec($ch);
    $code = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    curl_close($ch);
    return $code . ' ' . ($body === false ? '' : trim($body));
}

$prefix = preg_match('#^/(tcp|od)/#', $_SERVER['REQUEST_URI'] ?? '', $m) ? '/' . $m[1] : '';
$url = 'http://' . $_SERVER['SERVER_ADDR'] . ':' . $_SERVER['SERVER_PORT'] . $prefix . '/health.php';
header('Content-Type: text/plain');
echo 'own page said: ' . fetch_own_page($url) . "\n";
