/** Looks factories up by kind and type name (aliases included). */
import type { AnyFactory, ComponentKind } from './types.ts';

export class FactoryRegistry {
  private readonly byKey = new Map<string, AnyFactory>();
  private readonly canonical = new Map<ComponentKind, string[]>();

  constructor(factories: readonly AnyFactory[]) {
    for (const f of factories) {
      for (const t of [f.type, ...(f.aliases ?? [])]) {
        const key = `${f.kind}:${t}`;
        if (this.byKey.has(key)) throw new Error(`duplicate ${f.kind} factory for type "${t}"`);
        this.byKey.set(key, f);
      }
      const list = this.canonical.get(f.kind) ?? [];
      list.push(f.type);
      this.canonical.set(f.kind, list);
    }
  }

  get(kind: ComponentKind, type: string): AnyFactory | undefined {
    return this.byKey.get(`${kind}:${type}`);
  }

  /** Canonical type names of a kind, sorted, for "unknown type" errors. */
  known(kind: ComponentKind): string[] {
    return [...(this.canonical.get(kind) ?? [])].sort();
  }
}
