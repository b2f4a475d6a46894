// Assembly read by TestReadAsm; it is never assembled.

#include "textflag.h"

// A direct syscall with a named number.
TEXT ·rawGetpid(SB),NOSPLIT,$0-8
	MOVQ	$SYS_getpid, AX	// the number
	SYSCALL
	MOVQ	AX, ret+0(FP)
	RET

// A tail call to another package, with a division slash in the path.
TEXT ·forward(SB),NOSPLIT,$0-56
	JMP	golang.org∕x∕sys∕unix·Syscall(SB)

// A call to a function of the same package, and an ABI suffix.
TEXT ·helper<ABIInternal>(SB),NOSPLIT,$0
	CALL	·rawGetpid(SB)
	RET

// arm64 style: a number in a register, no constant name.
TEXT ·svcUnknown(SB),NOSPLIT,$0
	MOVD	R0, R8
	SVC
	RET

// SYSCALL in a comment does not count.
TEXT ·quiet(SB),NOSPLIT,$0
	RET
