function o(n){return`${n} is running`}export{o as g};
