// A miniature runtime for the extraction tests: each TEXT body is a case.

#define SYS_madvise		28
#define SYS_setittimer		38
#define SYS_futex		4000
#define SYS_clock_gettime	228
#define SYS_exit_group		231

// Start-up: calls schedinit, which alone reaches madvise through onlyAtStart.
TEXT runtime·rt0_go(SB),7,$0
	CALL	runtime·schedinit(SB)
	CALL	runtime·mstart(SB)
	RET

TEXT _rt0_amd64_linux(SB),7,$0
	JMP	runtime·rt0_go(SB)

DATA	runtime·mainPC+0(SB)/8,$runtime·main(SB)
GLOBL	runtime·mainPC(SB),8,$8

TEXT runtime·futex(SB),7,$0
	MOVL	$SYS_futex, AX
	SYSCALL
	RET

TEXT runtime·madvise(SB),7,$0
	MOVL	$SYS_madvise, AX
	SYSCALL
	RET

TEXT runtime·exit(SB),7,$0
	MOVL	$SYS_exit_group, AX
	SYSCALL
	RET

// A function the trigger table does not know, with a misspelled #define.
TEXT runtime·brandNew(SB),7,$0
	MOVL	$SYS_setittimer, AX
	SYSCALL
	RET

TEXT runtime·nanotime1(SB),7,$0
	MOVQ	runtime·vdsoClockgettimeSym(SB), AX
	CMPQ	AX, $0
	JEQ	fallback
	CALL	AX
	RET
fallback:
	MOVL	$SYS_clock_gettime, AX
	SYSCALL
	RET
