// Package auditlog parses the kernel's seccomp audit records (audit type
// 1326, AUDIT_SECCOMP) and turns them into syscall names.
//
// The kernel writes such a record when a filter answers SECCOMP_RET_LOG,
// or kills, traps or fails a call and the action is logged (KILL_PROCESS
// and KILL_THREAD always are). A record looks the same in every place it
// ends up, only the prefix differs:
//
//	[  206.99] audit: type=1326 audit(1795979370.893:14): ... exe="/usr/bin/true" sig=31 arch=c000003e syscall=12 compat=0 ip=0x7f6437f68c47 code=0x80000000   (dmesg)
//	6,1234,206990600,-;audit: type=1326 audit(...): ...                                                                                                   (/dev/kmsg)
//	Nov 29 19:02:10 host kernel: audit: type=1326 audit(...): ...                                                                                         (journalctl -k, syslog)
//	type=SECCOMP msg=audit(1795979370.893:14): ...                                                                                                        (auditd's audit.log)
//
// Parse reads any mix of them and skips every other line. The record's arch
// field (an AUDIT_ARCH_* value) picks the syscall table, so records of a
// 32-bit child on a 64-bit kernel get the right names. auditd writes a
// value that needs quoting (an exe path with a space) in hex without
// quotes; Parse decodes it.
//
// The kernel rate-limits these records (printk's default: a burst of 10
// every 5 seconds), so a log may miss some of a busy program's denials;
// run the program again after allowing what a summary names.
package auditlog
