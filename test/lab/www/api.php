<?php
// Calls a remote API with plain curl and no timeout. The lab points LAB_API_URL (pool env) at a
// server that accepts and never answers, so the worker waits in recv() forever at ~0% CPU.
function call_pricing_api(string $url): string
{
    $ch = curl_init($url);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    $body = curl_exec($ch);
    $err = curl_error($ch);
    curl_close($ch);
    return $body === false ? "error: $err" : $body;
}

$url = getenv('LAB_API_URL') ?: 'http://127.0.0.2:9/';
if (!preg_match('#^http://127\.\d+\.\d+\.\d+:\d+/#', $url)) {
    http_response_code(500);
    exit("LAB_API_URL must be a loopback URL\n");
}
header('Content-Type: text/plain');
echo call_pricing_api($url) . "\n";
