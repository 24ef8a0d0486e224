/**
 * Flux's post-build variable substitution (`spec.postBuild` of a Flux Kustomization), applied to
 * the YAML of one rendered object. Pure.
 *
 * What Flux does (kustomize-controller → fluxcd/pkg/kustomize `SubstituteVariables`, docs:
 * https://fluxcd.io/flux/components/kustomize/kustomizations/#post-build-variable-substitution):
 * - variables come from `substituteFrom` ConfigMaps/Secrets in order, then `substitute` (inline
 *   values win); names must match `^[_[:alpha:]][_[:alpha:][:digit:]]*$` or the build fails;
 * - when no variable is defined at all, nothing is substituted (`if len(vars) > 0`);
 * - an object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` is left alone;
 * - only the braced form is replaced: `${var}`, `${var:=default}`, `${var:-default}` (and `=`/`-`,
 *   which Flux's envsubst treats the same: the default applies when the value is empty); `$var`
 *   without braces stays as written (Flux's documented way to keep shell variables);
 * - `$${var}` is an escape and becomes the literal `${var}`;
 * - a variable that is not defined becomes the empty string, unless the controller runs with the
 *   `StrictPostBuildSubstitutions` feature gate (off by default), where the build fails instead.
 */

export const SUBSTITUTE_DISABLED_KEY = "kustomize.toolkit.fluxcd.io/substitute";
export const VARIABLE_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export interface SubstitutionResult {
  text: string;
  /** Variables used without a value nor a default (substituted as empty, as Flux does). */
  missing: string[];
  /** Variables left as written because their value is unknown (a source outside the repository). */
  unknown: string[];
}

/**
 * `${name}`, `${name<op>default}` with op one of `:=`, `:-`, `=`, `-`, and the `$${…}` escape.
 * A default runs to the first `}` (Flux's envsubst does not nest defaults either).
 */
const REFERENCE = /\$\$\{|\$\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:=|:-|=|-)([^}]*))?\}/g;

export function substituteVariables(params: {
  text: string;
  variables: ReadonlyMap<string, string>;
  /** When some variable sources could not be read, undefined names are left as written. */
  leaveUnknown?: boolean;
}): SubstitutionResult {
  const missing = new Set<string>();
  const unknown = new Set<string>();
  const text = params.text.replace(REFERENCE, (match, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
    if (match === "$${") return "${";
    const value = params.variables.get(name!);
    if (value !== undefined && value !== "") return value;
    if (op !== undefined) return fallback ?? "";
    if (value === "") return "";
    if (params.leaveUnknown) {
      unknown.add(name!);
      return match;
    }
    missing.add(name!);
    return "";
  });
  return { text, missing: [...missing].sort(), unknown: [...unknown].sort() };
}
