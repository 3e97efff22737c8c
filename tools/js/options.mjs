// Command-line options of the check scripts: `--name value`, any number of times, anywhere.
// Removes each from `args` (what remains are the positional arguments) and returns the values.
export function takeOption(args, name) {
  const values = [];
  for (let i = args.indexOf(name); i >= 0; i = args.indexOf(name)) values.push(args.splice(i, 2)[1]);
  return values;
}
