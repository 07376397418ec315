/**
 * The error `parseScope` throws for an invalid scope.
 *
 * @module @fedtrust/core/scope
 */
import { FedtrustError, type FedtrustErrorOptions } from '../errors/fedtrust-error.js';

/** One problem with a scope: a JSON pointer into the submitted document (`/resources/2`) and a sentence. */
export interface ScopeIssue {
  path: string;
  message: string;
}

/** A scope failed validation. `issues` lists every problem found, not only the first. */
export class ScopeError extends FedtrustError {
  static override readonly code = 'scope_invalid';
  override readonly name = 'ScopeError';
  readonly issues: ScopeIssue[];

  constructor(issues: ScopeIssue[], options: Omit<FedtrustErrorOptions, 'details'> = {}) {
    const summary = issues.map((issue) => `${issue.path || '(scope)'}: ${issue.message}`).join('; ');
    super(ScopeError.code, `The scope is invalid: ${summary}`, {
      status: 400,
      remediation: 'Fix each listed issue at its path in the scope document and submit it again.',
      ...options,
      details: { issues },
    });
    this.issues = issues;
  }
}
