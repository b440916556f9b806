/*
 * perfloop's peak-memory launcher for x86_64 Linux: a whole ELF executable, header included,
 * assembled with `as` and cut out with `objcopy -O binary` (scripts/peak-launcher.sh).
 * No libc, no data segment, nothing but the stack: its resident set is a few pages.
 *
 *   launcher PROGRAM ARG...   (fd 3: a pipe the result is written to)
 *
 * It ignores SIGHUP, SIGINT and SIGTERM (the command in its process group gets them), forks,
 * and the child restores those three dispositions, lets fd 3 close on exec and execs PROGRAM
 * with the launcher's own environment. The child's ru_maxrss then starts from this small
 * process, not from perfloop (the kernel folds the old memory map's high-water mark into the
 * new program's at exec). The parent wait4()s for the child and writes one record to fd 3:
 *
 *   u32 kind, u32 value, [struct rusage, 144 bytes]
 *   kind 1: the child could not be started (value: errno of fork or execve), no rusage
 *   kind 2: the child ended (value: its wait status), then its rusage
 *
 * and ends the way the child did: the same exit code, or the same signal (with core dumps off).
 */
        .set BASE, 0x400000
        .set SYS_write, 1
        .set SYS_rt_sigaction, 13
        .set SYS_rt_sigprocmask, 14
        .set SYS_getpid, 39
        .set SYS_fork, 57
        .set SYS_execve, 59
        .set SYS_wait4, 61
        .set SYS_kill, 62
        .set SYS_fcntl, 72
        .set SYS_exit_group, 231
        .set SYS_prlimit64, 302
        .set RESULT_FD, 3
        .set EINTR, 4
        .set RLIMIT_CORE, 4
        /* Stack frame: three saved sigactions (32 bytes each), a new one, the record. */
        .set OLD_ACTIONS, 0
        .set ACTION, 96
        .set RECORD, 128
        .set RUSAGE, RECORD + 8
        .set RECORD_BYTES, 8 + 144
        .set FRAME, 320

        .text
ehdr:
        .byte 0x7f, 'E', 'L', 'F', 2, 1, 1, 0   /* 64-bit, little-endian, version 1, System V */
        .quad 0
        .word 2                                 /* ET_EXEC */
        .word 62                                /* EM_X86_64 */
        .long 1
        .quad BASE + _start - ehdr              /* e_entry */
        .quad phdr - ehdr                       /* e_phoff */
        .quad 0                                 /* e_shoff */
        .long 0                                 /* e_flags */
        .word 64, 56, 2, 0, 0, 0                /* ehsize, phentsize, phnum, shentsize, shnum, shstrndx */
phdr:
        .long 1, 5                              /* PT_LOAD, PF_R|PF_X */
        .quad 0, BASE, BASE                     /* offset, vaddr, paddr */
        .quad end - ehdr, end - ehdr            /* filesz, memsz */
        .quad 0x1000
        .long 0x6474e551, 6                     /* PT_GNU_STACK, PF_R|PF_W: no executable stack */
        .quad 0, 0, 0, 0, 0, 16

_start:
        mov     (%rsp), %rbx                    /* argc */
        lea     8(%rsp), %r12                   /* argv */
        lea     16(%rsp,%rbx,8), %r13           /* envp */
        cmp     $2, %rbx
        jl      usage
        sub     $FRAME, %rsp

        /* Ignore SIGHUP, SIGINT, SIGTERM here, keeping what they were for the child. */
        movq    $1, ACTION(%rsp)                /* SIG_IGN */
        movq    $0, ACTION+8(%rsp)
        movq    $0, ACTION+16(%rsp)
        movq    $0, ACTION+24(%rsp)
        mov     $1, %edi
        lea     OLD_ACTIONS(%rsp), %rdx
        call    set_action
        mov     $2, %edi
        lea     OLD_ACTIONS+32(%rsp), %rdx
        call    set_action
        mov     $15, %edi
        lea     OLD_ACTIONS+64(%rsp), %rdx
        call    set_action

        mov     $RESULT_FD, %edi                /* fcntl(3, F_SETFD, FD_CLOEXEC) */
        mov     $2, %esi
        mov     $1, %edx
        mov     $SYS_fcntl, %eax
        syscall

        mov     $SYS_fork, %eax
        syscall
        test    %rax, %rax
        js      not_started
        jz      child
        mov     %rax, %r14

wait:
        mov     %r14, %rdi
        lea     RECORD+4(%rsp), %rsi            /* the wait status goes into the record */
        xor     %edx, %edx
        lea     RUSAGE(%rsp), %r10
        mov     $SYS_wait4, %eax
        syscall
        cmp     $-EINTR, %rax
        je      wait
        test    %rax, %rax
        js      lost

        movl    $2, RECORD(%rsp)
        mov     $RESULT_FD, %edi
        lea     RECORD(%rsp), %rsi
        mov     $RECORD_BYTES, %edx
        mov     $SYS_write, %eax
        syscall

        mov     RECORD+4(%rsp), %eax
        mov     %eax, %ebx
        and     $0x7f, %ebx                     /* the signal that ended it, or 0 */
        jnz     signalled
        shr     $8, %eax
        movzbl  %al, %edi
        jmp     exit

signalled:
        movq    $0, RECORD(%rsp)                /* rlimit {0, 0}: no core file of the launcher */
        movq    $0, RECORD+8(%rsp)
        xor     %edi, %edi
        mov     $RLIMIT_CORE, %esi
        lea     RECORD(%rsp), %rdx
        xor     %r10d, %r10d
        mov     $SYS_prlimit64, %eax
        syscall
        movq    $0, ACTION(%rsp)                /* SIG_DFL */
        mov     %ebx, %edi
        xor     %edx, %edx
        call    set_action
        lea     -1(%rbx), %ecx                  /* unblock it: mask bit (signal - 1) */
        mov     $1, %eax
        shl     %cl, %rax
        mov     %rax, ACTION+8(%rsp)
        mov     $1, %edi                        /* SIG_UNBLOCK */
        lea     ACTION+8(%rsp), %rsi
        xor     %edx, %edx
        mov     $8, %r10d
        mov     $SYS_rt_sigprocmask, %eax
        syscall
        mov     $SYS_getpid, %eax
        syscall
        mov     %eax, %edi
        mov     %ebx, %esi
        mov     $SYS_kill, %eax
        syscall
        lea     128(%rbx), %edi                 /* not ended by it after all: 128 + signal */
        jmp     exit

child:
        mov     $1, %edi
        lea     OLD_ACTIONS(%rsp), %rsi
        call    restore_action
        mov     $2, %edi
        lea     OLD_ACTIONS+32(%rsp), %rsi
        call    restore_action
        mov     $15, %edi
        lea     OLD_ACTIONS+64(%rsp), %rsi
        call    restore_action
        mov     8(%r12), %rdi
        lea     8(%r12), %rsi
        mov     %r13, %rdx
        mov     $SYS_execve, %eax
        syscall
        /* fall through: execve failed */
not_started:
        neg     %eax
        movl    $1, RECORD(%rsp)
        mov     %eax, RECORD+4(%rsp)
        mov     $RESULT_FD, %edi
        lea     RECORD(%rsp), %rsi
        mov     $8, %edx
        mov     $SYS_write, %eax
        syscall
        mov     $127, %edi
        jmp     exit

lost:                                           /* wait4 failed: cannot happen for our own child */
        mov     $125, %edi
        jmp     exit
usage:
        mov     $2, %edi
exit:
        mov     $SYS_exit_group, %eax
        syscall

/* rt_sigaction(%edi, ACTION of the caller's frame, %rdx) */
set_action:
        lea     ACTION+8(%rsp), %rsi            /* +8: this call's return address */
        mov     $8, %r10d
        mov     $SYS_rt_sigaction, %eax
        syscall
        ret
/* rt_sigaction(%edi, %rsi, NULL) */
restore_action:
        xor     %edx, %edx
        mov     $8, %r10d
        mov     $SYS_rt_sigaction, %eax
        syscall
        ret
end:
