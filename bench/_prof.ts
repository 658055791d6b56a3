import { indexExportRequest } from '../collector/src/pdata/index-request.ts';
import { makeRequest } from './fixtures.ts';
const reqs = Array.from({length:32},(_,k)=>makeRequest((process.argv[2] ?? 'testbed-2-int') as any,100,k*100));
let s=0;
for (let round=0; round<3; round++) { const N=20000; const st=process.hrtime.bigint(); for(let k=0;k<N;k++) s+=indexExportRequest(reqs[k&31]!).spanCount; const ns=Number(process.hrtime.bigint()-st); console.log('index', (ns/(N*100)).toFixed(0)+'ns/span'); }
