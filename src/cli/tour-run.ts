/** The text of `virel tour` (filled in by the model/tabular work). */
export function runTour(print: (line: string) => void): void {
  print("VIREL tour: the model is being built.");
}
