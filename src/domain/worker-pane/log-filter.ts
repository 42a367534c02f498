// The pane-log filter: `pipe-pane` hands a worker pane's bytes to it, and it appends them to the
// worker's log with secrets cut out, so the log never holds one in clear (whatever its mode, and
// whoever reads it: the daemon, `tmuxorch logs`, a human's grep). Redacting on every read instead
// would leave the secret on disk, in rotated `.1` files, and for any reader that is not us.
//
// Why Perl: the filter must run while no daemon does (tmux owns the pipe, and a restarted daemon
// collects tasks from the log), one per pane; perl starts in ~2 ms and holds ~4 MB, where a node
// process would hold ~40 MB per pane. It is part of every Debian/Ubuntu base system.
//
// The secret values reach it through a 0600 file that it reads and deletes at once (a command
// line is logged by tmux and visible in `ps`). A chunk's last word is held back (≤ 50 ms) until
// the next chunk shows whether a secret continues there; a secret split by whitespace across two
// chunks is the one case it can miss.
import {
  perlShape,
  redactableValues,
  REDACTED,
  SECRET_ASSIGNMENT,
  SECRET_ASSIGNMENT_HINT,
  TOKEN_SHAPES,
} from '../redact.js';

// Single-quoted Perl string: only \\ and \' are special.
const perlString = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

export const LOG_FILTER_HOLD_MS = 50;

// argv of the filter: perl, the script, the values file, optionally how long a tail is held (ms).
export function buildLogFilterScript(): string {
  const shapes = TOKEN_SHAPES.map((shape) => perlString(perlShape(shape))).join(', ');
  const assignment = perlString(perlShape(SECRET_ASSIGNMENT));
  const hint = perlString(SECRET_ASSIGNMENT_HINT);
  return `# tmuxorch pane-log filter (written by tmuxorch; see src/worker/log-filter.ts)
use strict;
use warnings;
my @values;
my $file = shift @ARGV;
my $hold = @ARGV ? $ARGV[0] / 1000 : ${LOG_FILTER_HOLD_MS / 1000};
if (defined $file && open(my $in, '<', $file)) {
  while (my $line = <$in>) {
    chomp $line;
    push @values, pack('H*', $line) if length $line;
  }
  close $in;
  unlink $file;
}
# One pass per pattern, in the order of the JavaScript redactor (domain/redact.ts).
my @passes = ((@values ? (join('|', map { quotemeta } @values)) : ()), ${shapes});
@passes = map { qr/$_/ } @passes;
my $hint_source = ${hint};
my $hint = qr/$hint_source/;
my $assignment_source = ${assignment};
my $assignment = qr/$assignment_source/;
binmode STDIN;
binmode STDOUT;
$| = 1;
sub emit {
  my ($text) = @_;
  return unless length $text;
  $text =~ s/$_/${REDACTED}/g for @passes;
  $text =~ s/$assignment/${REDACTED}/g if $text =~ $hint;
  print STDOUT $text;
}
my $held = '';
my $rin = '';
vec($rin, fileno(STDIN), 1) = 1;
while (1) {
  my $n = select(my $rout = $rin, undef, undef, length($held) ? $hold : undef);
  if ($n == 0) { emit($held); $held = ''; next; }
  if ($n < 0) { next if $!{EINTR}; last; }
  my $buf;
  my $got = sysread(STDIN, $buf, 65536);
  if (!defined $got) { next if $!{EINTR}; last; }
  last if $got == 0;
  my $text = $held . $buf;
  # The trailing run of non-space bytes (at most 4096) waits; found from the end (a regex would
  # try every position of the chunk).
  my $cut = length($text);
  my $stop = $cut > 4096 ? $cut - 4096 : 0;
  $cut-- while $cut > $stop && substr($text, $cut - 1, 1) !~ /\\s/;
  $held = substr($text, $cut);
  emit(substr($text, 0, $cut));
}
emit($held);
`;
}

// The values file the filter reads: one hex-encoded value a line (a value may hold any byte).
export function logFilterValues(secretValues: Iterable<string>): string {
  return redactableValues(secretValues)
    .map((value) => `${Buffer.from(value, 'utf8').toString('hex')}\n`)
    .join('');
}
