import { indexExportRequest } from '../collector/src/pdata/index-request.ts';
import { encodeExportRequest } from '../collector/src/pdata/encode-request.ts';
import { makeRequest } from '../bench/fixtures.ts';
for (const shape of ['testbed-2-int','http-20-attr'] as const) {
const reqs = Array.from({length:32},(_,k)=>makeRequest(shape,100,k*100));
const batches = reqs.map(r=>{const b=indexExportRequest(r); b.pristine=null; return b;});
let s=0;
function t(name:string, fn:(k:number)=>void){ for(let k=0;k<3000;k++) fn(k); const N=20000; const st=process.hrtime.bigint(); for(let k=0;k<N;k++) fn(k); const ns=Number(process.hrtime.bigint()-st); console.log(shape,name, (ns/(N*100)).toFixed(0)+'ns/span'); }
t('index', k=>{ s+=indexExportRequest(reqs[k&31]!).spanCount; });
t('reframe', k=>{ s+=encodeExportRequest(batches[k&31]!).length; });
t('index', k=>{ s+=indexExportRequest(reqs[k&31]!).spanCount; });
}
