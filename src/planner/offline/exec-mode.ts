/**
 * Shell command or code? The manager's `query` mode hands the text to the image's language REPL
 * (a Jupyter kernel: Python on Python images), where `nvidia-smi` is a NameError; a shell command
 * runs as `mode: batch` with `options.exec` (facts §15.1, `client/cli/session/execute.py`).
 * Decided from the request's words first ("run the command …", "python code"), then from the
 * text itself (a program name, shell syntax) and the session's image language.
 */

export type ExecMode = 'shell' | 'code';

/** The REPL language of an image, from its name (`python-pytorch`, `r-base`, `julia`, …); undefined if unknown. */
export function imageLanguage(imageRefs: string[]): string | undefined {
  for (const ref of imageRefs) {
    const base = (ref.split('/').pop() ?? ref).split(':')[0]!.toLowerCase();
    if (/python|pytorch|torch|tensorflow|ngc|jupyter|vllm|sglang|tgi|scipy|cuda|triton|huggingface|nim/.test(base)) return 'python';
    if (/^r(-|$)|r-base|rstudio/.test(base)) return 'r';
    if (/julia/.test(base)) return 'julia';
    if (/node|javascript|deno/.test(base)) return 'javascript';
    if (/lua/.test(base)) return 'lua';
    if (/octave/.test(base)) return 'octave';
  }
  return undefined;
}

const SHELL_WORDS = /\b(?:commands?|shell|terminal|bash|cli|command[- ]line|console command)\b|명령어?|커맨드|셸|쉘|터미널/i;
const CODE_WORDS = /\b(?:code|snippet|python(?:\s+(?:code|statement|expression|snippet|line))|expression|statement|repl|cell|in the notebook|notebook cell)\b|코드|파이썬\s*코드|구문/i;

/** Programs people run in a container's shell; the first word of a command. */
const PROGRAMS = new Set([
  'nvidia-smi', 'nvcc', 'nvtop', 'gpustat', 'ls', 'll', 'cat', 'pwd', 'cd', 'df', 'du', 'free', 'top', 'htop', 'nproc', 'lscpu', 'lsblk',
  'uname', 'whoami', 'id', 'env', 'printenv', 'echo', 'pip', 'pip3', 'conda', 'mamba', 'apt', 'apt-get', 'git', 'curl', 'wget', 'python',
  'python3', 'bash', 'sh', 'zsh', 'make', 'cmake', 'tar', 'unzip', 'zip', 'gzip', 'mkdir', 'rm', 'cp', 'mv', 'touch', 'head', 'tail',
  'grep', 'find', 'ps', 'kill', 'pkill', 'jupyter', 'tensorboard', 'torchrun', 'accelerate', 'deepspeed', 'huggingface-cli', 'hf',
  'chmod', 'chown', 'which', 'date', 'sleep', 'watch', 'nohup', 'sudo', 'hostname', 'ip', 'ping', 'nc', 'ssh', 'scp', 'rsync',
  'wc', 'sort', 'uniq', 'sed', 'awk', 'xargs', 'tee', 'ln', 'stat', 'file', 'uptime', 'vmstat', 'iostat', 'lspci', 'dmesg',
  'mpirun', 'srun', 'ollama', 'vllm', 'npm', 'node', 'java', 'go', 'cargo', 'gcc', 'g++',
]);

/** The text reads as a shell command: a known program first, a path to run, or shell syntax. */
export function looksLikeShell(text: string): boolean {
  const line = text.trim().split('\n')[0]!.trim().replace(/^\$\s+/, '');
  const first = line.split(/\s+/)[0] ?? '';
  if (PROGRAMS.has(first)) return true;
  if (/^\.{0,2}\/\S/.test(first)) return true; // ./train.sh, /opt/bin/x
  if (/^[A-Za-z_][\w]*-[\w-]+$/.test(first)) return true; // nvidia-smi-like names (Python would read a subtraction)
  if (/(?:^|\s)(?:&&|\|\||\|)\s|\s>{1,2}\s*[\w./-]+$|\s--?[A-Za-z][\w-]*(?:=|\s|$)/.test(line) && !/[()]/.test(first)) return true;
  return false;
}

/** The text reads as code in a Python REPL: calls, assignments, imports, definitions. */
export function looksLikePython(text: string): boolean {
  const line = text.trim();
  return /^(?:import|from)\s+\w|^(?:def|class|for|while|if|with|try)\b.*:|^print\s*\(|^[A-Za-z_][\w.]*\s*\(.*\)\s*$|^[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*[-+*/]?=[^=]|^[\d\s+\-*/().]+$|;\s*print\(/m.test(line);
}

/**
 * Decide how to run `text` in a session with image language `language`. `words` is the request
 * without the text itself (so "python" in `python train.py` is not read as "Python code").
 */
export function execModeFor(text: string, words: string, language: string | undefined): { mode: ExecMode; why: string } {
  if (SHELL_WORDS.test(words) && !CODE_WORDS.test(words)) return { mode: 'shell', why: 'asked to run it as a command' };
  if (CODE_WORDS.test(words) && !SHELL_WORDS.test(words)) return { mode: 'code', why: `asked to run it as ${language ?? 'the image language'} code` };
  if (looksLikeShell(text)) return { mode: 'shell', why: 'it reads as a shell command' };
  if (language === 'python' && looksLikePython(text)) return { mode: 'code', why: 'it reads as Python, the image language' };
  if (language === undefined || language === 'python') {
    // neither: a single word or a phrase that is not Python is a program name
    return looksLikePython(text) ? { mode: 'code', why: 'it reads as Python' } : { mode: 'shell', why: 'it does not read as Python code' };
  }
  return { mode: 'code', why: `it is taken as ${language} code, the image language` };
}
