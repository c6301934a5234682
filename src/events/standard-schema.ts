/**
 * The Standard Schema V1 and Standard JSON Schema V1 interfaces, declared here structurally (as the
 * specification invites) so that the package has no dependency, not even a type-only one. Every
 * validator that implements them (zod 4, valibot, arktype, …) fits, whichever copy of the
 * specification its own types come from.
 *
 * @see https://standardschema.dev
 */

/** A validator that implements Standard Schema V1: the `~standard` property with `validate`. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly "~standard": StandardSchemaV1Props<Input, Output>;
}

/** The `~standard` property of a Standard Schema V1 validator. */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  /** The version of the standard: always 1. */
  readonly version: 1;
  /** The name of the library that made the validator. */
  readonly vendor: string;
  /** Validates a value; may return a promise (an asynchronous validator). */
  readonly validate: (
    value: unknown,
    options?: StandardSchemaV1Options | undefined,
  ) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** The input and output types, for inference only (absent at run time). */
  readonly types?: StandardSchemaV1Types<Input, Output> | undefined;
}

/** Options a caller may pass to `validate`. */
export interface StandardSchemaV1Options {
  /** Parameters for the vendor's own use. */
  readonly libraryOptions?: Record<string, unknown> | undefined;
}

/** The input and output types of a validator. */
export interface StandardSchemaV1Types<Input = unknown, Output = Input> {
  /** The type the validator accepts. */
  readonly input: Input;
  /** The type the validator returns (after its transforms). */
  readonly output: Output;
}

/** What `validate` returns: the output value, or the issues found. */
export type StandardSchemaV1Result<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaV1Issue> };

/** One problem found by a validator. */
export interface StandardSchemaV1Issue {
  /** What is wrong, in the vendor's words. */
  readonly message: string;
  /** Where it is wrong: property keys, or segments that hold one. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** A validator that also implements Standard JSON Schema V1: `~standard.jsonSchema`. */
export interface StandardJSONSchemaV1<Input = unknown, Output = Input> {
  /** The Standard JSON Schema properties. */
  readonly "~standard": StandardSchemaV1Props<Input, Output> & {
    /** Turns the input or output type into a JSON Schema of the target version; may throw. */
    readonly jsonSchema: StandardJSONSchemaV1Converter;
  };
}

/** The `~standard.jsonSchema` converter of Standard JSON Schema V1. */
export interface StandardJSONSchemaV1Converter {
  /** The JSON Schema of the input type. Throws when the target or the type is not supported. */
  readonly input: (options: StandardJSONSchemaV1Options) => Record<string, unknown>;
  /** The JSON Schema of the output type. Throws when the target or the type is not supported. */
  readonly output: (options: StandardJSONSchemaV1Options) => Record<string, unknown>;
}

/** Options of a Standard JSON Schema V1 converter. */
export interface StandardJSONSchemaV1Options {
  /** The JSON Schema version wanted: `"draft-2020-12"` and `"draft-07"` are the ones widely supported. */
  readonly target: "draft-2020-12" | "draft-07" | "openapi-3.0" | ({} & string);
  /** Parameters for the vendor's own use. */
  readonly libraryOptions?: Record<string, unknown> | undefined;
}
