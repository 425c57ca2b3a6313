// Go's strconv.ParseBool table, shared by the command line (Go's flag package accepts the same words for a bool
// flag) and confd's `parseBool` template function (which adds Go's error value): written once here.

/** strconv.ParseBool: the value, or undefined where Go returns an error. */
export function parseBool(s: string): boolean | undefined {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}
