// The sample APIs' in-memory resource, shared by the Express, Koa and Hono samples so they differ only in
// how they use jwtguard. Each app instance owns its own store.

export interface Item {
  id: number;
  name: string;
  createdBy?: string;
}

export interface ItemStore {
  list(): Item[];
  add(input: { name: string }, createdBy: string | undefined): Item;
}

export function createItemStore(): ItemStore {
  const items: Item[] = [{ id: 1, name: 'first item' }];
  return {
    list: () => items.slice(),
    add(input, createdBy) {
      const item: Item = { id: items.length + 1, name: input.name, createdBy };
      items.push(item);
      return item;
    },
  };
}

/** The accepted body of POST /items, or a description of what is wrong with it. */
export function parseNewItem(body: unknown): { name: string } | string {
  const name = (body as { name?: unknown } | null | undefined)?.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    return 'Send a JSON body such as {"name": "a new item"} (1-200 characters)';
  }
  return { name: name.trim() };
}
