<?php
// Crashes the worker with SIGSEGV mid-request, as a buggy extension would.
// ?how=ffi (default): a real invalid memory read through FFI (the kernel also logs "segfault at").
// ?how=signal: posix_kill() of its own pid with signal 11 (no kernel log line).
$how = $_GET['how'] ?? 'ffi';
if ($how === 'signal' || !class_exists('FFI')) {
    posix_kill(getmypid(), 11);
} else {
    $p = FFI::cast('int *', 8);
    echo $p[0];
}
sleep(1);
echo "still alive?\n";
