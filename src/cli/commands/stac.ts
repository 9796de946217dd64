/**
 * `terrahub stac ...`: the catalog's commands. This file only registers subcommands, each in its own file
 * (stac-load.ts; the raster area adds stac create-item beside it).
 */
import { Command } from 'commander';
import { stacCreateItemCommand } from './stac-create-item.ts';
import { stacLoadCommand } from './stac-load.ts';

export function stacCommand(): Command {
  const stac = new Command('stac').description('STAC catalog: load collections and items');
  stac.addCommand(stacLoadCommand());
  stac.addCommand(stacCreateItemCommand());
  return stac;
}
